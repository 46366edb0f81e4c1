package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// Corp2Ret closes the retail lead as won when its corporate lead is won
// (docs/flows.md#corp2ret, webhook corp2ret): the retail lead named by the
// corporate lead's RET_ID goes to status 142 in its own pipeline, with the
// corporate price when there is one. Nothing is written when it already is.
//
// amoCRM calls: corporate 1 (the lead) + retail 1-2 (the lead, the update).
func (f *Flows) Corp2Ret(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.corp2Ret)
}

// corp2Ret is Corp2Ret, done holding the lease on the event's entity.
func (f *Flows) corp2Ret(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return f.closeRetailLead(ctx, ev, statusWon)
}

// closeRetailLead is Corp2Ret and Corp2RetFail: status is 142 or 143, and
// the corporate lead must have it (the hook may come late, after a reopen).
// RET_ID is the only way to the retail lead: the old fallback to
// ID_LEAD_RET held a corporate lead id (docs/flows.md#corp2ret).
func (f *Flows) closeRetailLead(ctx workflow.Context, ev HookEvent, status int64) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r, c := n.account("retail"), n.account("corp")
	retID := n.id(c, "lead_fields", "ret_id")
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx, cctx := amoOptions(ctx, r.TaskQueue), amoOptions(ctx, c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var corp activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: ev.ID}).Get(ctx, &corp); err != nil {
		return nil, err
	}
	rid := fieldInt(corp, retID)
	switch {
	case corp.ID == 0:
		res.Skipped = "the corporate lead does not exist"
	case corp.StatusID != status:
		res.Skipped = "the corporate lead is not in status " + itoa(status) + " (now " + itoa(corp.StatusID) + ")"
	case rid == 0:
		res.Skipped = "the corporate lead has no RET_ID"
	}
	if res.Skipped != "" {
		return res, nil
	}
	var ret activities.LeadCard
	if err := workflow.ExecuteActivity(rctx, amo.ReadLead, activities.ReadInput{Account: r.Account, ID: rid}).Get(ctx, &ret); err != nil {
		return nil, err
	}
	res.TargetLeadID = rid
	if ret.ID == 0 {
		res.Skipped = "the retail lead " + itoa(rid) + " does not exist"
		return res, nil
	}
	up, ok := closePlan(ret, corp, status)
	if !ok {
		res.Skipped = "the retail lead is already in status " + itoa(status)
		return res, nil
	}
	up.Account = r.Account
	return hookDone(res, patchHookLead(ctx, rctx, up, res))
}
