package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// ProcessEvents registers a retail lead for the event it names
// (docs/flows.md#processevents, webhook processevents): the events API is asked
// for the event in the lead's event-name field; its address and page name
// are written, its date-time only when the lead has none; by the event's
// kind (МКБ, STYX, Morizo, open day, trial lesson) the lead is renamed,
// moved to the kind's stage and tagged, existing tags kept. Nothing is
// written when the lead already is so. (The old report rows in Google
// Sheets/MySQL are not part of amoflow.)
//
// amoCRM calls: 1 read + 0-1 update; events API: 1.
func (f *Flows) ProcessEvents(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.processEvents)
}

// processEvents is ProcessEvents, done holding the lease on the event's entity.
func (f *Flows) processEvents(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account("retail")
	ids := eventIDs{
		Name:     n.id(r, "lead_fields", "event_name"),
		Address:  n.id(r, "lead_fields", "event_address"),
		DateTime: n.id(r, "lead_fields", "event_datetime"),
	}
	for _, k := range eventKinds {
		n.id(r, "pipelines", k.kind.Pipeline)
		n.id(r, "statuses", k.kind.Status)
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
	name := l.Fields[ids.Name]
	if name == "" {
		res.Skipped = "the lead names no event"
		return res, nil
	}
	var info activities.EventInfo
	if err := workflow.ExecuteActivity(localOptions(ctx), events.LookupEvent, activities.LookupEventInput{Name: name}).Get(ctx, &info); err != nil {
		return nil, err
	}
	if !info.Found {
		res.Skipped = "the events API knows no such event"
		return res, nil
	}
	up, ok := eventPlan(l, info, ids, r)
	if !ok {
		res.Skipped = "the lead is already registered for the event"
		return res, nil
	}
	return hookDone(res, patchHookLead(ctx, rctx, up, res))
}
