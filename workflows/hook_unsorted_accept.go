package workflows

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amowebhook"
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

// unsortedEvents are the new unsorted entries of a delivery
// (unsorted[add][i] with uid and source_data[service]), each named by a
// digest of its uid: an entry is accepted once.
func unsortedEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time) []HookEvent {
	var out []HookEvent
	for _, e := range d.Events {
		uid := strings.TrimSpace(e.Other["uid"])
		if e.Entity != "unsorted" || e.Action != amowebhook.ActionAdd || uid == "" {
			continue
		}
		key := UnsortedEventJobID(account, method, uid)
		if slices.ContainsFunc(out, func(h HookEvent) bool { return h.JobID == key }) {
			continue
		}
		out = append(out, HookEvent{JobID: key, Account: account, Method: method, Entity: "unsorted", Action: e.Action, ReceivedAt: receivedAt,
			Params: map[string]string{"uid": uid, "service": strings.TrimSpace(e.Other["source_data.service"])}})
	}
	return out
}
