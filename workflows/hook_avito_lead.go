package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// AvitoLead marks a retail lead that came from Avito (see
// docs/flows.md#avito_lead, webhook avito_lead): type "Заявка записаться на {course} с Авито",
// site and source "Avito.ru", result "Заявка с Авито", the tag Ручная
// swapped for Авито. Fields are replaced, not appended; a lead without tags
// is fine; nothing is written when the lead already looks like that.
//
// amoCRM calls: 1 read + 0-1 update.
func (f *Flows) AvitoLead(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.avitoLead)
}

// avitoLead is AvitoLead, done holding the lease on the event's entity.
func (f *Flows) avitoLead(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account("retail")
	ids := avitoIDs{
		Result: n.id(r, "lead_fields", "result"),
		Site:   n.id(r, "lead_fields", "site"),
		Source: n.id(r, "lead_fields", "source"),
		Type:   n.id(r, "lead_fields", "type"),
		Course: n.id(r, "lead_fields", "avito_course"),
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	l, ok, err := readHookLead(ctx, rctx, activities.ReadInput{Account: r.Account, ID: ev.ID}, res)
	if !ok {
		return hookDone(res, err)
	}
	up, ok := avitoPlan(l, ids, r)
	if !ok {
		res.Skipped = "the lead is already marked as an Avito lead"
		return res, nil
	}
	return hookDone(res, patchHookLead(ctx, rctx, up, res))
}
