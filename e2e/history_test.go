package e2e

import (
	"os"
	"path/filepath"

	"go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

// recordHistory writes a finished workflow's history to workflows/testdata,
// where the replay tests read it, when AMOFLOW_RECORD_HISTORY=1 (run it after
// changing a workflow on purpose, and commit the new file with the change).
func (h *harness) recordHistory(id, name string) {
	h.t.Helper()
	if os.Getenv("AMOFLOW_RECORD_HISTORY") != "1" {
		return
	}
	var events []*history.HistoryEvent
	it := h.tc.GetWorkflowHistory(h.ctx, id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			h.t.Fatal(err)
		}
		events = append(events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(&history.History{Events: events})
	if err != nil {
		h.t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", name+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		h.t.Fatal(err)
	}
	h.t.Logf("recorded %s (%d events)", path, len(events))
}
