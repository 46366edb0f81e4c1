package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// Agr2Corp brings a corporate lead back from the contract department
// (docs/flows.md#agr2corp, webhook agr2corp): the source lead named by the
// contract lead's ID_LEAD_RET moves from "waiting for the contract" to
// "bill sent" in the sales pipeline. A source in any other stage is left
// alone, which also makes a repeated hook a no-op.
//
// amoCRM calls: 2 reads + 1 update.
func (f *Flows) Agr2Corp(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.agr2Corp)
}

// agr2Corp is Agr2Corp, done holding the lease on the event's entity.
func (f *Flows) agr2Corp(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	c := n.account("corp")
	idLeadRet := n.id(c, "lead_fields", "id_lead_ret")
	waiting := n.id(c, "statuses", "waiting_contract")
	sentBill := n.id(c, "statuses", "sent_bill")
	sales := n.id(c, "pipelines", "sales")
	if err := n.err(); err != nil {
		return nil, err
	}
	cctx := amoOptions(ctx, c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var agr activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: ev.ID}).Get(ctx, &agr); err != nil {
		return nil, err
	}
	srcID := fieldInt(agr, idLeadRet)
	switch {
	case agr.ID == 0:
		res.Skipped = "the contract-department lead does not exist"
	case srcID == 0:
		res.Skipped = "the contract-department lead has no ID_LEAD_RET"
	}
	if res.Skipped != "" {
		return res, nil
	}
	res.TargetLeadID = srcID
	var src activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: srcID}).Get(ctx, &src); err != nil {
		return nil, err
	}
	switch {
	case src.ID == 0:
		res.Skipped = "the source lead " + itoa(srcID) + " does not exist"
	case src.StatusID != waiting:
		res.Skipped = "the source lead is not waiting for the contract (status " + itoa(src.StatusID) + ")"
	}
	if res.Skipped != "" {
		return res, nil
	}
	up := activities.PatchLeadInput{Account: c.Account, ID: srcID, PipelineID: sales, StatusID: sentBill}
	return hookDone(res, patchHookLead(ctx, cctx, up, res))
}
