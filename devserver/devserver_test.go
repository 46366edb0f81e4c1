package devserver

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"amoflow/internal/testrig"
	"amoflow/store/storetest"
)

// Each server costs about 170 MB and half a second, so the tests start
// three in all.

func greet(ctx workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	testrig.NeedsServers(t, "an embedded Temporal server")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Now()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %v: frontend %s, UI %q", time.Since(t0), s.FrontendHostPort(), s.UIURL())
	t.Cleanup(s.Stop)
	return s
}

func dial(t *testing.T, s *Server, namespace string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendHostPort(),
		Namespace: namespace,
		Logger:    quietLogger{},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestInMemory(t *testing.T) {
	s := start(t, Options{
		SearchAttributes: map[string]enums.IndexedValueType{
			"AmoLeadID":  enums.INDEXED_VALUE_TYPE_INT,
			"AmoAccount": enums.INDEXED_VALUE_TYPE_KEYWORD,
		},
		CodecEndpoint:           "http://127.0.0.1:8234",
		CodecIncludeCredentials: true,
	})
	if s.UIURL() == "" {
		t.Fatal("UIURL is empty")
	}
	c := dial(t, s, "default")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	w := worker.New(c, "tq", worker.Options{})
	w.RegisterWorkflow(greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	t0 := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		TaskQueue:             "tq",
		TypedSearchAttributes: temporalSA(42, "acme"),
	}, greet, "amo")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("workflow ran in %v", time.Since(t0))
	if got != "hello amo" {
		t.Errorf("workflow returned %q, want %q", got, "hello amo")
	}

	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]enums.IndexedValueType{
		"AmoLeadID":  enums.INDEXED_VALUE_TYPE_INT,
		"AmoAccount": enums.INDEXED_VALUE_TYPE_KEYWORD,
	} {
		if got := sa.GetCustomAttributes()[name]; got != want {
			t.Errorf("search attribute %s has type %v, want %v", name, got, want)
		}
	}

	// The attributes are indexed: the workflow is found by them.
	query := "AmoLeadID = 42 AND AmoAccount = 'acme'"
	findOne(ctx, t, c, query)

	resp, err := http.Get(s.UIURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("GET %s: %s, %d bytes", s.UIURL(), resp.Status, len(body))
	}

	// The browser learns the codec endpoint from the UI's settings.
	resp, err = http.Get(s.UIURL() + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	var settings struct {
		Codec struct {
			Endpoint           string
			IncludeCredentials bool
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	if err != nil || settings.Codec.Endpoint != "http://127.0.0.1:8234" || !settings.Codec.IncludeCredentials {
		t.Errorf("UI settings codec = %+v (%v)", settings.Codec, err)
	}
}

func TestFileSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "temporal.db")
	opts := Options{
		DBFile:           db,
		UIPort:           -1,
		Namespace:        "amo",
		SearchAttributes: map[string]enums.IndexedValueType{"AmoLeadID": enums.INDEXED_VALUE_TYPE_INT},
		SQLitePragmas:    WAL(), // as amoflow dev
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	s := start(t, opts)
	if s.UIURL() != "" {
		t.Errorf("UIURL = %q without UI", s.UIURL())
	}
	if _, err := os.Stat(db + "-wal"); err != nil {
		t.Errorf("no write-ahead log beside the file (journal_mode=wal): %v", err)
	}
	c := dial(t, s, "amo")
	// No worker: the workflow stays open, to be found after the restart.
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "lead-42", TaskQueue: "none"}, greet, "amo")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Stop()
	// Stop releases the ports.
	l, err := net.Listen("tcp", s.FrontendHostPort())
	if err != nil {
		t.Fatalf("frontend port still in use after Stop: %v", err)
	}
	l.Close()

	// A restart on the same file keeps the namespace and its search
	// attributes, and registers one added since.
	opts.SearchAttributes["AmoAccount"] = enums.INDEXED_VALUE_TYPE_KEYWORD
	s = start(t, opts)
	c = dial(t, s, "amo")
	desc, err := c.DescribeWorkflowExecution(ctx, "lead-42", run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("workflow status after restart = %v, want running", st)
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "amo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := sa.GetCustomAttributes(); !maps.Equal(got, opts.SearchAttributes) {
		t.Errorf("custom search attributes after restart = %v, want %v", got, opts.SearchAttributes)
	}

	// Changing the type of an attribute is refused.
	opts.SearchAttributes["AmoLeadID"] = enums.INDEXED_VALUE_TYPE_KEYWORD
	s.Stop()
	if s, err := Start(ctx, opts); err == nil {
		s.Stop()
		t.Error("Start changing the type of AmoLeadID succeeded")
	}
}

func TestUIPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The UI server would exit the process; Start must fail instead, and
	// before it starts anything.
	s, err := Start(context.Background(), Options{UIPort: l.Addr().(*net.TCPAddr).Port})
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded with the UI port in use")
	}
}

// findOne waits until the visibility query finds exactly one workflow.
func findOne(ctx context.Context, t *testing.T, c client.Client, query string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetExecutions()) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %q found %d workflows, want 1", query, len(list.GetExecutions()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func temporalSA(lead int64, account string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		temporal.NewSearchAttributeKeyInt64("AmoLeadID").ValueSet(lead),
		temporal.NewSearchAttributeKeyKeyword("AmoAccount").ValueSet(account),
	)
}

// quietLogger drops the SDK's log, which is noise in tests.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// TestPostgres runs the server on PostgreSQL with the server's own schema:
// a workflow runs, is found by its search attributes (the visibility
// store), and survives a restart on the same databases, whose schema setup
// then changes nothing.
func TestPostgres(t *testing.T) {
	testrig.NeedsServers(t, "PostgreSQL and an embedded Temporal server")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := "amoflow_devserver_" + testrig.RandomHex(4)
	mainURL, dropMain, err := testrig.ScratchDB(ctx, storetest.AdminURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dropMain)
	_, dropVis, err := testrig.ScratchDB(ctx, storetest.AdminURL(), name+"_visibility")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dropVis)
	opts := Options{
		UIPort:           -1,
		Postgres:         &Postgres{URL: mainURL, HistoryShards: 2},
		SearchAttributes: map[string]enums.IndexedValueType{"AmoLeadID": enums.INDEXED_VALUE_TYPE_INT, "AmoAccount": enums.INDEXED_VALUE_TYPE_KEYWORD},
	}
	s := start(t, opts)
	c := dial(t, s, "default")
	w := worker.New(c, "tq", worker.Options{})
	w.RegisterWorkflow(greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "pg-1", TaskQueue: "tq", TypedSearchAttributes: temporalSA(7, "pg")}, greet, "pg")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello pg" {
		t.Fatalf("workflow = %q, %v; want %q", got, err, "hello pg")
	}
	w.Stop()
	c.Close()
	s.Stop()

	s = start(t, opts)
	c = dial(t, s, "default")
	desc, err := c.DescribeWorkflowExecution(ctx, "pg-1", run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("status after restart = %v, want completed", st)
	}
	query := "AmoLeadID = 7 AND AmoAccount = 'pg'"
	findOne(ctx, t, c, query)
}
