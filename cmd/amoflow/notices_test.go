package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"amoflow/activities"
	"amoflow/internal/testrig"
	"amoflow/seal"
	"amoflow/store"
	"amoflow/store/storetest"
)

// TestNoticesCommand keeps a 1C notice the way OneCNotice does (sealed with
// the token key, once per job) and reads it back with `amoflow notices`:
// the body only with --body, in clear.
func TestNoticesCommand(t *testing.T) {
	testrig.NeedsServers(t, "Postgres")
	ctx := context.Background()
	url := storetest.NewURL(t)
	t.Setenv("AMOFLOW_POSTGRES_URL", url)
	raw := bytes.Repeat([]byte{7}, 32)
	t.Setenv("AMOFLOW_TOKEN_KEYS", "k1:"+base64.StdEncoding.EncodeToString(raw))
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ring, err := seal.NewRing([]seal.Key{{ID: "k1", Key: raw}})
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Store{DB: db, Ring: ring}
	rec := activities.OneCNoticeRecord{JobID: "1c-notice-paymentreceived-abc", Kind: "paymentreceived",
		ContentType: "application/json", Body: []byte(`{"fio":"Иванова Мария","sum":15000}`), ReceivedAt: time.Now()}
	for i, want := range []bool{true, false} { // a retry stores nothing twice
		stored, err := acts.RecordOneCNotice(ctx, rec)
		if err != nil || stored != want {
			t.Fatalf("record %d: stored %v, %v", i, stored, err)
		}
	}
	rows, err := db.OneCNotices(ctx, time.Now().Add(-time.Hour), "")
	if err != nil || len(rows) != 1 || rows[0].BodyKey != "k1" || bytes.Contains(rows[0].Body, []byte("Иванова")) {
		t.Fatalf("rows %+v, %v: want one sealed row", rows, err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := noticesCommand(ctx, append(args, "--config", "../../config/example.yaml"), &out); err != nil {
			t.Fatalf("notices %v: %v", args, err)
		}
		return out.String()
	}
	list := run("--since", "1h")
	if !strings.Contains(list, "1c-notice-paymentreceived-abc") || !strings.Contains(list, "1 notices") || strings.Contains(list, "Иванова") {
		t.Errorf("list:\n%s", list)
	}
	if body := run("--kind", "paymentreceived", "--body"); !strings.Contains(body, `"fio":"Иванова Мария"`) {
		t.Errorf("--body:\n%s", body)
	}
	if other := run("--kind", "courseended"); !strings.Contains(other, "0 notices") {
		t.Errorf("--kind courseended:\n%s", other)
	}
	// A report PUT to the old /api/leadtasks is kept alongside, as kind leadtask.
	task := activities.OneCNoticeRecord{JobID: "1c-notice-leadtask-abc", Kind: "leadtask", ContentType: "application/x-www-form-urlencoded",
		Body: []byte("task_id=12433799"), ReceivedAt: time.Now()}
	if _, err := acts.RecordOneCNotice(ctx, task); err != nil {
		t.Fatal(err)
	}
	if tasks := run("--kind", "leadtask", "--body"); !strings.Contains(tasks, "1c-notice-leadtask-abc") || !strings.Contains(tasks, "task_id=12433799") ||
		strings.Contains(tasks, "paymentreceived") {
		t.Errorf("--kind leadtask:\n%s", tasks)
	}
	var out bytes.Buffer
	if err := noticesCommand(ctx, []string{"--kind", "nope", "--config", "../../config/example.yaml"}, &out); err == nil {
		t.Error("--kind nope: no error")
	}
	if kept := run("purge", "--older-than", "1d"); !strings.Contains(kept, "0 notices deleted") {
		t.Errorf("purge of a young notice:\n%s", kept)
	}
	if gone := run("purge", "--older-than", "1ms"); !strings.Contains(gone, "2 notices deleted") || !strings.Contains(run("list"), "0 notices") {
		t.Errorf("purge:\n%s", gone)
	}
}
