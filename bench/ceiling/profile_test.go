package main

import "testing"

// A shortened `go tool pprof -traces` output: a header, then one block per
// sample, leaf first, with a label line in one.
const traces = `File: ceiling-bin
Type: cpu
-----------+-------------------------------------------------------
      20ms   internal/runtime/syscall/linux.Syscall6
             syscall.Syscall
             modernc.org/sqlite/lib._unixWrite
             go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite.(*db).InsertIntoHistoryNode
             go.temporal.io/server/service/history.(*historyEngineImpl).RecordActivityTaskStarted
-----------+-------------------------------------------------------
       1.10s   runtime.mallocgc
             google.golang.org/protobuf/proto.Marshal
             go.temporal.io/sdk/internal.(*workflowTaskPoller).PollTask
-----------+-------------------------------------------------------
         bucket:  1
      10ms   github.com/jackc/pgx/v5/pgconn.(*PgConn).Exec
             amoflow/store.(*DB).ReserveRequest
             amoflow/amocrm.(*Client).do
             amoflow/activities.(*Amo).SearchContacts
-----------+-------------------------------------------------------
      30ms   runtime.scanobject
             runtime.gcBgMarkWorker
-----------+-------------------------------------------------------
      40ms   google.golang.org/grpc/internal/transport.(*loopyWriter).run
-----------+-------------------------------------------------------
      50ms   runtime.futex
             runtime.schedule
-----------+-------------------------------------------------------
`

func TestTracesAreChargedToTheFirstAreaFromTheLeaf(t *testing.T) {
	samples := parseTraces([]byte(traces))
	want := []struct {
		seconds float64
		area    string
	}{
		{0.02, areas[0].Name}, // SQLite under the history service: persistence
		{1.10, areas[2].Name}, // protobuf under the SDK: the SDK
		{0.01, areas[3].Name}, // pgx under amoflow's store, under an activity: the store
		{0.03, areaGC},
		{0.04, areaGRPC},
		{0.05, areaRuntime},
	}
	if len(samples) != len(want) {
		t.Fatalf("%d samples, want %d: %+v", len(samples), len(want), samples)
	}
	for i, w := range want {
		s := samples[i]
		if s.seconds != w.seconds {
			t.Errorf("sample %d: %v s, want %v", i, s.seconds, w.seconds)
		}
		if got := classify(s.frames); got != w.area {
			t.Errorf("sample %d (%v): area %q, want %q", i, s.frames, got, w.area)
		}
	}
}
