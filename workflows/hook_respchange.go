package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amowebhook"
	"amoflow/config"
)

// RespChange reverts a retail lead's or contact's responsible user when
// the user who changed it was not allowed to (docs/flows.md#respchange):
// the hook says who was responsible and who made the change; the rules
// (guards.respchange) say who may. The entity is read first and reverted
// only while it still has the responsible the hook set.
//
// amoCRM calls: 0 (allowed), else 1 read + 0-1 update.
func (f *Flows) RespChange(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.respChange)
}

func (f *Flows) respChange(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	g, err := f.guards(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account(ev.Account)
	if len(g.RespChange.Admins) == 0 {
		n.missing = append(n.missing, "guards.respchange.admins")
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	res := &HookResult{}
	if ev.Entity == amowebhook.Contacts {
		res.ContactID = ev.ID
	} else {
		res.LeadID = ev.ID
		tagLead(ctx, s.SearchAttributes, ev.ID)
	}
	if respChangeAllowed(g.RespChange, ev.OldResponsibleID, ev.ModifiedBy) {
		res.Skipped = "the change is allowed"
		return res, nil
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	read := activities.ReadInput{Account: r.Account, ID: ev.ID}
	var exists bool
	var current int64
	if ev.Entity == amowebhook.Contacts {
		var ct activities.ContactCard
		if err := workflow.ExecuteActivity(rctx, amo.ReadContact, read).Get(ctx, &ct); err != nil {
			return nil, err
		}
		exists, current = ct.ID != 0, ct.ResponsibleID
	} else {
		var l activities.LeadCard
		if err := workflow.ExecuteActivity(rctx, amo.ReadLead, read).Get(ctx, &l); err != nil {
			return nil, err
		}
		exists, current = l.ID != 0, l.ResponsibleID
	}
	to, skipped := respRevert(g.RespChange, ev, exists, current)
	if skipped != "" {
		res.Skipped = skipped
		return res, nil
	}
	if ev.Entity == amowebhook.Contacts {
		err = workflow.ExecuteActivity(rctx, amo.PatchContact, activities.PatchContactInput{Account: r.Account, ID: ev.ID, ResponsibleID: to}).Get(ctx, nil)
	} else {
		err = workflow.ExecuteActivity(rctx, amo.PatchLead, activities.PatchLeadInput{Account: r.Account, ID: ev.ID, ResponsibleID: to}).Get(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}

// guards snapshots config.Guards into the history once per run.
func (f *Flows) guards(ctx workflow.Context) (config.Guards, error) {
	var g config.Guards
	err := workflow.SideEffect(ctx, func(workflow.Context) any { return f.Config.Guards }).Get(&g)
	return g, err
}
