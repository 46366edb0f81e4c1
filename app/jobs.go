package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"amoflow/starter"
)

// TemporalJobs answers the jobs API (GET /v1/jobs/{id}, the legacy
// synchronous answers) from Temporal: a job id is a workflow id.
type TemporalJobs struct {
	Client client.Client
}

// Status implements starter.Jobs. A running job is waited for with one long poll on
// its result, the wait as its deadline. With a wait, it also waits for a
// queued job's workflow to appear (the bridge starts it within milliseconds
// normally), asking again after growing pauses, never in a tight loop.
func (t TemporalJobs) Status(ctx context.Context, id string, wait time.Duration) (starter.JobStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	deadline := time.Now().Add(wait)
	pause := 100 * time.Millisecond
	for {
		st, err := t.describe(ctx, id)
		if err == nil && st.Status == "running" && time.Now().Before(deadline) {
			wctx, wcancel := context.WithDeadline(ctx, deadline)
			_ = t.Client.GetWorkflow(wctx, id, "").Get(wctx, nil) // returns when done or at the deadline
			wcancel()
			st, err = t.describe(ctx, id)
		}
		if errors.Is(err, starter.ErrUnknownJob) && time.Now().Add(pause).Before(deadline) {
			select {
			case <-ctx.Done():
				return starter.JobStatus{}, err
			case <-time.After(pause):
				pause = min(2*pause, 2*time.Second)
				continue
			}
		}
		return st, err
	}
}

func (t TemporalJobs) describe(ctx context.Context, id string) (starter.JobStatus, error) {
	d, err := t.Client.DescribeWorkflowExecution(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return starter.JobStatus{}, starter.ErrUnknownJob
	}
	if err != nil {
		return starter.JobStatus{}, err
	}
	status := d.GetWorkflowExecutionInfo().GetStatus()
	st := starter.JobStatus{JobID: id, Status: statusName(status)}
	switch status {
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var res json.RawMessage
		if err := t.Client.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			return starter.JobStatus{}, err
		}
		st.Result = res
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
	default:
		if err := t.Client.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			st.Error = err.Error()
		}
	}
	return st, nil
}

// statusNames are the job statuses callers see.
var statusNames = map[enums.WorkflowExecutionStatus]string{
	enums.WORKFLOW_EXECUTION_STATUS_RUNNING:          "running",
	enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW: "running",
	enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:        "completed",
	enums.WORKFLOW_EXECUTION_STATUS_FAILED:           "failed",
	enums.WORKFLOW_EXECUTION_STATUS_CANCELED:         "canceled",
	enums.WORKFLOW_EXECUTION_STATUS_TERMINATED:       "terminated",
	enums.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:        "timed_out",
}

func statusName(s enums.WorkflowExecutionStatus) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "unknown"
}
