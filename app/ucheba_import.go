package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"amoflow/config"
	"amoflow/workflows"
)

// ImportUcheba imports one day of ucheba.ru requests by hand (amoflow
// import ucheba --date D): it starts UchebaImport as ucheba-import-{day},
// or follows the run of that id already running (attached true), calls
// progress with what the run has done so far while it runs, and returns
// its result. A day imported before runs again and starts only the
// requests no earlier run started.
func ImportUcheba(ctx context.Context, cfg *config.Config, tc client.Client, day string,
	progress func(workflows.UchebaImportResult)) (res workflows.UchebaImportResult, attached bool, err error) {
	id := workflows.UchebaImportJobID(day)
	if d, err := tc.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		attached = d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	} else if !errors.As(err, new(*serviceerror.NotFound)) {
		return res, false, fmt.Errorf("temporal: %w", err)
	}
	in := &workflows.UchebaImportInput{Day: day}
	opts := client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: cfg.Temporal.TaskQueue,
		// Again after a completed import (the requests dedupe themselves);
		// a running one is followed, not doubled.
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowExecutionErrorWhenAlreadyStarted: false,
	}
	(&workflows.Metadata{Config: cfg}).Apply(&opts, workflows.UchebaImportName, in)
	run, err := tc.ExecuteWorkflow(ctx, opts, workflows.UchebaImportName, in)
	if err != nil {
		return res, attached, fmt.Errorf("starting %s: %w", id, err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, &res) }()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return res, attached, err
		case <-tick.C:
			if progress == nil {
				continue
			}
			v, err := tc.QueryWorkflow(ctx, id, run.GetRunID(), workflows.UchebaProgressQuery)
			var now workflows.UchebaImportResult
			if err == nil && v.Get(&now) == nil {
				progress(now)
			}
		}
	}
}
