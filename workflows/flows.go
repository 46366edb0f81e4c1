// Package workflows holds amoflow's Temporal workflows, one file per flow.
// Workflows decide; activities (package activities) do the I/O, one amoCRM
// request per activity so the per-account rate limit is exact.
//
// Workflow code must be deterministic: configuration is read once per run
// through a SideEffect, so a replay sees the same ids even if the file changed.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/config"
)

// Flows carries what workflows need from outside: the configuration.
type Flows struct {
	Config *config.Config
}

// Workflow type names, used by the bridge to start them and by the worker to register them.
const (
	CreateLeadFromFormName = "CreateLeadFromForm"

	// HandleWebhook and the webhook flows it starts as children (webhook_methods.go).
	HandleWebhookName = "HandleWebhook"
	Ret2CorpName      = "Ret2Corp"
	Corp2RetName      = "Corp2Ret"
	Corp2RetFailName  = "Corp2RetFail"
	Corp2AgrName      = "Corp2Agr"
	Agr2CorpName      = "Agr2Corp"
	AvitoLeadName     = "AvitoLead"
	ProcessEventsName = "ProcessEvents"
	EditContactName   = "EditContact"
)

// amoOptions runs activities on the account's amoCRM task queue, whose
// workers are rate limited to the account's request budget cluster-wide.
// Retryable errors (network, 5xx, 429) back off without a cap on attempts,
// at most 30 s apart; so does an account that is paused (needs
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

// amoWait is how long an amoCRM activity keeps trying: longer than a week,
// the longest an account is expected to wait for an operator.
const amoWait = 8 * 24 * time.Hour
