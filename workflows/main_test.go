package workflows

import (
	"testing"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// A fixed binary checksum spares the first activity of the test process
// hashing the test binary: on a loaded machine that takes longer than the
// test environment's 1 s deadlock detector allows, and fails whichever
// testsuite test happens to run first.
func init() { worker.SetBinaryChecksum("amoflow-workflows-test") }

// mustRun executes flow (a workflow name or function) in env and fails the
// test when the workflow fails.
func mustRun(t *testing.T, env *testsuite.TestWorkflowEnvironment, flow any, args ...any) {
	t.Helper()
	env.ExecuteWorkflow(flow, args...)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
}

// runFlow is mustRun, then the workflow's result.
func runFlow[T any](t *testing.T, env *testsuite.TestWorkflowEnvironment, flow any, args ...any) T {
	t.Helper()
	mustRun(t, env, flow, args...)
	var res T
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}
