package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// The steps most hook flows on one lead share: read the lead (a lead that is
// gone ends the flow as skipped, not failed), and patch it.

// readHookLead reads the lead in names. ok is false on an error and when the
// lead does not exist, which res then records as the reason to skip.
func readHookLead(ctx, actx workflow.Context, in activities.ReadInput, res *HookResult) (l activities.LeadCard, ok bool, err error) {
	if err := workflow.ExecuteActivity(actx, amo.ReadLead, in).Get(ctx, &l); err != nil {
		return l, false, err
	}
	if l.ID == 0 {
		res.Skipped = "the lead does not exist"
		return l, false, nil
	}
	return l, true, nil
}

// patchHookLead writes up to the lead and records on res that it changed.
func patchHookLead(ctx, actx workflow.Context, up activities.PatchLeadInput, res *HookResult) error {
	if err := workflow.ExecuteActivity(actx, amo.PatchLead, up).Get(ctx, nil); err != nil {
		return err
	}
	res.Changed = true
	return nil
}

// hookDone ends a hook flow: with its result, or with only the error.
func hookDone(res *HookResult, err error) (*HookResult, error) {
	if err != nil {
		return nil, err
	}
	return res, nil
}
