package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// UnsortedResult is what UnsortedAccept reports.
type UnsortedResult struct {
	Skipped  string `json:"skipped,omitempty"`
	Accepted bool   `json:"accepted,omitempty"`
}

// UnsortedAccept accepts a new unsorted entry into its pipeline
// (docs/flows.md#unsorted_accept, webhook unsorted_accept), except chats
// of the services managers take by hand. amoCRM then sends the accepted
// lead, which initial_lead processes.
//
// amoCRM calls: 0-1 (the accept).
func (f *Flows) UnsortedAccept(ctx workflow.Context, ev HookEvent) (*UnsortedResult, error) {
	s, x, err := f.hookConfig(ctx, ev.Account)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	acc := n.account(ev.Account)
	if err := n.err(); err != nil {
		return nil, err
	}
	res := &UnsortedResult{}
	if svc := ev.Params["service"]; svc != "" && slices.Contains(x.Unsorted.SkipServices, svc) {
		res.Skipped = "entries of " + svc + " are accepted by hand"
		return res, nil
	}
	in := activities.UnsortedInput{Account: acc.Account, UID: ev.Params["uid"]}
	if err := workflow.ExecuteActivity(amoOptions(ctx, acc.TaskQueue), amo.AcceptUnsorted, in).Get(ctx, &res.Accepted); err != nil {
		return nil, err
	}
	if !res.Accepted {
		res.Skipped = "the entry is no longer waiting (accepted or declined)"
	}
	return res, nil
}
