package workflows

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
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
// per event, as a child workflow named by the event (see webhook_methods.go),
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
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown webhook method %q", in.Method), "UnknownMethod", nil)
	}
	res := &WebhookResult{Account: in.Account, Method: in.Method}
	futures := make([]workflow.ChildWorkflowFuture, len(in.Events))
	for i, ev := range in.Events {
		// Summary, details and search attributes are not compared on replay.
		summary, details := hookChildMetadata(f.Config, in, ev, m.workflow)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            ev.JobID,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
			ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
			StaticSummary:         summary,
			StaticDetails:         details,
			TypedSearchAttributes: hookChildAttributes(f.Config, in),
		})
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
			fmt.Sprintf("%d of %d events failed: %s", len(failed), len(in.Events), strings.Join(failed, ", ")), "EventsFailed", nil, res)
	}
	workflow.GetLogger(ctx).Info("webhook processed", "method", in.Method, "events", len(in.Events))
	return res, nil
}

// WebhookWorkflows are HandleWebhook and the webhook flows by name, for a
// worker or a replayer to register.
func (f *Flows) WebhookWorkflows() map[string]any {
	return map[string]any{
		HandleWebhookName: f.HandleWebhook,
		Ret2CorpName:      f.Ret2Corp,
		Corp2RetName:      f.Corp2Ret,
		Corp2RetFailName:  f.Corp2RetFail,
		Corp2AgrName:      f.Corp2Agr,
		Agr2CorpName:      f.Agr2Corp,
		AvitoLeadName:     f.AvitoLead,
		ProcessEventsName: f.ProcessEvents,
		EditContactName:   f.EditContact,
	}
}
