package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"amoflow/codec/codectest"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (see e2e.recordHistory): a change that would make running workflows
// non-deterministic fails here before it reaches production.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			// Histories recorded with the payload codec decode with the
			// test key; older plain ones pass through it unchanged.
			dc, fc := codectest.Converters()
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc, FailureConverter: fc})
			if err != nil {
				t.Fatal(err)
			}
			// The configuration was recorded by a SideEffect; replay needs none.
			flows := &Flows{}
			flows.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
