package workflows

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// WebhookResult is what a finished HandleWebhook reports (GET /v1/jobs/{id}).
type WebhookResult struct {
	Account string         `json:"account"`
	Method  string         `json:"method"`
	Events  []EventOutcome `json:"events"`
}

// EventOutcome is how one event of the delivery went.
type EventOutcome struct {
	JobID  string `json:"job_id"` // the child workflow
	Entity string `json:"entity"`
	ID     int64  `json:"id"`
	// Status is done, duplicate (another delivery's job has this event:
	// see its job id) or failed.
	Status string          `json:"status"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// HandleWebhook processes one delivery: it starts the method's flow once
// per event, as a child workflow named by the event (see hook_methods.go),
// all at once, and waits for them. A child that fails fails the delivery's
// job, after the others finished.
//
// The children outlive a terminated or reset parent (ParentClosePolicy
// ABANDON): they are the real work. A failed child may be run again by a
// later delivery of the same event (ALLOW_DUPLICATE_FAILED_ONLY); the flows
// are idempotent, so that run finishes the work and duplicates nothing.
func (f *Flows) HandleWebhook(ctx workflow.Context, in WebhookInput) (*WebhookResult, error) {
	m, ok := hookMethods[in.Method]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown webhook method %q", in.Method), activities.ErrUnknownMethod, nil)
	}
	res := &WebhookResult{Account: in.Account, Method: in.Method}
	futures := make([]workflow.ChildWorkflowFuture, len(in.Events))
	for i, ev := range in.Events {
		summary, details := hookChildMetadata(f.Config, in, ev, m.workflow)
		cctx := hookChildOptions(ctx, ev.JobID, summary, details, hookChildAttributes(f.Config, in))
		futures[i] = workflow.ExecuteChildWorkflow(cctx, m.workflow, m.childInput(ev))
	}
	var failed []string
	for i, ev := range in.Events {
		out := EventOutcome{JobID: ev.JobID, Entity: ev.Entity, ID: ev.ID}
		var raw json.RawMessage
		err := futures[i].Get(ctx, &raw)
		switch {
		case err == nil:
			out.Status, out.Result = "done", raw
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
			out.Status = "duplicate"
		default:
			out.Status, out.Error = "failed", err.Error()
			failed = append(failed, ev.JobID)
		}
		res.Events = append(res.Events, out)
	}
	if len(failed) > 0 {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%d of %d events failed: %s", len(failed), len(in.Events), strings.Join(failed, ", ")), activities.ErrEventsFailed, nil, res)
	}
	workflow.GetLogger(ctx).Info("webhook processed", "method", in.Method, "events", len(in.Events))
	return res, nil
}
