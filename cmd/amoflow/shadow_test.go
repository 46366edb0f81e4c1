package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"amoflow/shadow/report"
	"amoflow/store"
	"amoflow/store/storetest"
)

// TestShadowCommand runs `amoflow shadow list|report|purge` against a fresh
// database holding one planned 1C write: list hides the body unless asked,
// report counts it as not compared, purge keeps what is young.
func TestShadowCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Postgres")
	}
	ctx := context.Background()
	url := storetest.NewURL(t)
	t.Setenv("AMOFLOW_POSTGRES_URL", url)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.RecordShadowWrite(ctx, store.ShadowWrite{
		Identity: []byte("i1"), Account: "1c", WorkflowID: "wh-retail-savelead-lead5", RunID: "r",
		WorkflowType: "Sync1COrder", ActivityType: "EditStudent", ActivityID: "3",
		Method: "POST", Path: "EditStudent", Body: []byte(`{"name":"Мария Иванова"}`),
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := shadowCommand(ctx, append(args, "--config", "../../config/example.yaml"), &out); err != nil {
			t.Fatalf("shadow %v: %v", args, err)
		}
		return out.String()
	}

	list := run("list", "--since", "1h")
	if !strings.Contains(list, "wh-retail-savelead-lead5") || !strings.Contains(list, "POST EditStudent") || strings.Contains(list, "Мария") {
		t.Errorf("list:\n%s", list)
	}
	if body := run("list", "--job", "wh-retail-savelead-lead5", "--body"); !strings.Contains(body, "Мария Иванова") {
		t.Errorf("list --body:\n%s", body)
	}
	if other := run("list", "--job", "another"); !strings.Contains(other, "0 planned writes") {
		t.Errorf("list --job another:\n%s", other)
	}

	var rep report.Report
	if err := json.Unmarshal([]byte(run("report", "--since", "1d", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Flows) != 1 || rep.Flows[0].Flow != "Sync1COrder" || rep.Flows[0].NotCompared != 1 {
		t.Errorf("report %+v", rep.Flows)
	}
	if table := run("report"); !strings.Contains(table, "Sync1COrder") || !strings.Contains(table, "1 planned writes") {
		t.Errorf("report table:\n%s", table)
	}

	if out := run("purge", "--older-than", "1h"); !strings.Contains(out, "0 planned writes deleted") {
		t.Errorf("purge: %s", out)
	}
	var out bytes.Buffer
	if err := shadowCommand(ctx, []string{"report", "--account", "nope", "--config", "../../config/example.yaml"}, &out); err == nil {
		t.Error("an unknown --account was accepted")
	}
}
