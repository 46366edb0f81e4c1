package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
)

// Every activity and child-workflow option set of the flows, in one place.
// Which task queue an activity runs on is part of its options: amoCRM calls
// go to the account's rate-limited queue, everything else to the workflow's
// own queue (docs/architecture.md#temporal-task-queues). Changing a timeout
// or retry policy here does not break replay (options are not compared), but
// it changes how long paused work survives: keep the reasons below true.

// amoWait is how long an amoCRM activity keeps trying: longer than a week,
// the longest an account is expected to wait for an operator.
const amoWait = 8 * 24 * time.Hour

// amoOptions runs activities on the account's amoCRM task queue, whose
// workers are rate limited to the account's request budget cluster-wide.
// Why: 30 s per attempt covers the client's 20 s request timeout plus a
// queued token; retryable errors (network, 5xx, 429) back off without a cap
// on attempts, at most 30 s apart; so does an account that is paused (needs
// re-authorization, misconfigured, blocked by amoCRM), for up to amoWait,
// so that its flows survive a week-long wait and resume by themselves.
// Permanent errors (validation) fail at once.
func amoOptions(ctx workflow.Context, taskQueue string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              taskQueue,
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: amoWait,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
	})
}

// amoOpts runs amoCRM activities on the account's rate-limited queue
// (amoOptions, for the 1C flows' account settings).
func (a onecAccount) amoOpts(ctx workflow.Context) workflow.Context {
	return amoOptions(ctx, a.TaskQueue)
}

// localOptions runs activities that do not call amoCRM (Postgres: the lease
// release, amo_index, round robin; the events API) on the workflow's own
// task queue, named explicitly as in leaseOptions. Why: 30 s per attempt is
// plenty for one query or one events-API call; a day of retries (at most a
// minute apart) outlasts a database or events-API outage. A worker without a
// store fails them at once (NoStore).
func localOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              workflow.GetInfo(ctx).TaskQueueName,
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrNoStore},
		},
	})
}

// leaseOptions run AcquireLeases on the workflow's own task queue (not an
// account's amoCRM queue: it costs no amoCRM request). The queue is named
// explicitly: options without one keep the queue of the context they
// replace, which in a flow is often the amoCRM one. Why: one attempt tries
// for about 10 s (see activities.Leases.Wait), heartbeating, so a minute
// bounds it; a held key is then retried after 1-5 s for as long as it takes.
func leaseOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           workflow.GetInfo(ctx).TaskQueueName,
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     1.5,
			MaximumInterval:        5 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrNoStore},
		},
	})
}

// onecOptions runs 1C calls on the workflow's own task queue. Why: an
// attempt gets the 1C client's own timeout (onec.call_timeout) plus 10 s of
// slack; retries back off up to a minute apart for onec.retry_for (default
// 30 min), then the flow gives up visibly (a note and an admin task).
func onecOptions(ctx workflow.Context, s onecSettings) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    s.CallTimeout + 10*time.Second,
		ScheduleToCloseTimeout: s.RetryFor,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// onceOptions runs a 1C create exactly once. Why: 1C has no idempotency
// key, so a blind retry could create a second object; the retries are
// driven by createOnce, which re-reads the amoCRM marker before each one.
func onceOptions(ctx workflow.Context, s onecSettings) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: s.CallTimeout + 10*time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
}

// storeOptions runs the Postgres activities of the 1C flows (echo marks,
// GUID links). Why: 10 s is long for one query; an hour of retries rides
// out a database failover without holding a 1C answer for a day.
func storeOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
}

// hookChildOptions runs one webhook event's flow as a child of
// HandleWebhook, under the event's job id (ids.go). Why: no timeout (the
// child's amoCRM activities carry their own 8-day budget); a failed child
// may run again under the same id when the event is delivered again; the
// child is abandoned, not cancelled, when its parent is terminated or reset,
// because it is the real work. Summary, details and search attributes are
// UI only and not compared on replay.
func hookChildOptions(ctx workflow.Context, id, summary, details string, attrs temporal.SearchAttributes) workflow.Context {
	return workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         summary,
		StaticDetails:         details,
		TypedSearchAttributes: attrs,
	})
}

// childOptions runs a flow as a child of a 1C flow, under an id made of the
// objects it is about (ids.go), not of the parent's id, so a replay (which
// runs under another id) issues the same command and a re-run of the parent
// finds its child. Why: the execution timeout outlives a paused account's
// activities (amoWait) by a day.
func childOptions(ctx workflow.Context, id string) workflow.Context {
	parent := workflow.GetInfo(ctx)
	return workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:               id,
		WorkflowExecutionTimeout: amoWait + 24*time.Hour, // outlive a paused account's activities
		// UI only (not compared on replay): which 1C job this step belongs to.
		StaticSummary: "1C request → " + parent.WorkflowType.Name + " step",
		StaticDetails: fmt.Sprintf("**Source** `1c/%s`  \n**Parent job** %s", parent.WorkflowType.Name, parent.WorkflowExecution.ID),
	})
}

// widgetReadOptions runs a widget's amoCRM reads on the account's queue.
// Someone waits for the answer, so they stop trying after ten minutes
// (a paused account fails the read; the next request starts a new one).
func widgetReadOptions(ctx workflow.Context, a onecAccount) workflow.Context {
	ctx = a.amoOpts(ctx)
	opts := workflow.GetActivityOptions(ctx)
	opts.ScheduleToCloseTimeout = 10 * time.Minute
	return workflow.WithActivityOptions(ctx, opts)
}

// registerOptions runs the widgets' outside calls (the company register,
// Sensei's start) on the workflow task queue, retried for an hour: a
// manager is waiting, a week of retries would help no one.
func registerOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
}

// uchebaChildOptions runs one ucheba.ru request's site form as a child of
// the import, under the request's job id (UchebaFormJobID). Why: as
// hookChildOptions — a form that ran (or runs) is never started again, a
// failed one may be; the form is abandoned, not cancelled, with its parent,
// and the parent does not wait for it. Summary, details and search
// attributes are UI only and not compared on replay.
func uchebaChildOptions(ctx workflow.Context, cfg *config.Config, form FormInput, attrs bool) workflow.Context {
	d := describe(CreateLeadFromFormName, form)
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            form.JobID,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         d.summary,
		StaticDetails:         d.details(cfg) + "  \n**Import job** " + workflow.GetInfo(ctx).WorkflowExecution.ID,
	}
	if attrs {
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(AmoAccountKey.ValueSet(form.Account), AmoSourceKey.ValueSet(d.source))
	}
	return workflow.WithChildOptions(ctx, opts)
}

// uchebaOptions run the listing on the workflow's own task queue. Why: a
// page is one call (the client's 30 s timeout), a day a few pages, so five
// minutes per attempt; ucheba.ru down at night is retried for six hours,
// well before the next night's run; a refused token fails at once
// (UchebaAPI), for the operator to fix and backfill the day.
func uchebaOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              workflow.GetInfo(ctx).TaskQueueName,
		StartToCloseTimeout:    5 * time.Minute,
		ScheduleToCloseTimeout: 6 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
}
