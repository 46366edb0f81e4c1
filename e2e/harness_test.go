// Package e2e runs amoflow end to end: HTTP starter → real RabbitMQ → bridge
// → a real (embedded) Temporal server → worker → the fake amoCRM, with tokens
// in a real Postgres. Only amoCRM is faked.
package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.temporal.io/sdk/client"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/codec/codectest"
	"amoflow/config"
	"amoflow/devserver"
	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/onec/onecfake"
	"amoflow/starter"
	"amoflow/store"
	"amoflow/store/storetest"
	"amoflow/workflows"
)

// temporalServer is shared by the package's tests: one start (~0.5 s, ~170 MB).
var temporalServer *devserver.Server

func TestMain(m *testing.M) {
	if flag.Parse(); testing.Short() {
		os.Exit(m.Run()) // no server: every test skips (newHarness)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s, err := devserver.Start(ctx, devserver.Options{
		UIPort:           -1,
		SearchAttributes: workflows.SearchAttributeTypes,
	})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: embedded Temporal:", err)
		os.Exit(1)
	}
	temporalServer = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// harness is one isolated amoflow: its own queues, task queue, database and fake amoCRM.
type harness struct {
	t    *testing.T
	ctx  context.Context
	cfg  *config.Config
	fake *amofake.Server
	db   *store.DB
	tc   client.Client
	api  *httptest.Server
	pub  *mq.Publisher
	onec *onecfake.Server // the fake 1C, see onec_harness_test.go

	mu          sync.Mutex
	statusURLs  map[string]string // job id → status_url of its 202 (a capability)
	stopBridge  context.CancelFunc
	bridgeDone  chan struct{}
	stopWorkers context.CancelFunc
	workersDone chan struct{}
}

// harnessOption changes how a harness reaches its services (chaos tests put
// proxies in between).
type harnessOption func(*config.Config)

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	testrig.NeedsServers(t, "PostgreSQL, RabbitMQ and Temporal")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	id := randomID()
	cfg.RabbitMQ.Prefix = "amoflow-e2e-" + id
	cfg.Temporal.TaskQueue = "e2e-" + id
	cfg.Temporal.HostPort = temporalServer.FrontendHostPort()
	cfg.Postgres.URL = storetest.NewURL(t)
	t.Cleanup(func() { deleteTopology(t, cfg.RabbitMQ) }) // before opts: directly, not through a proxy
	// Tests post many forms from one address: no per-client form limit.
	cfg.Inbound.FormRate = &config.Rate{}
	for _, o := range opts {
		o(cfg)
	}
	cfg.Temporal.SearchAttributes = true
	// Payloads encrypted as in production; payload_test.go checks the history.
	cfg.Temporal.PayloadKeys = []config.NamedKey{{ID: codectest.KeyID, Key: codectest.KeyBase64()}}
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "e2e-"+a.Name, "e2e-secret-"+a.Name
	}
	h := &harness{t: t, ctx: ctx, cfg: cfg}
	h.fake = amofake.New(amofake.FromConfig(cfg, amofake.Options{}))
	fakeSrv := httptest.NewServer(h.fake)
	t.Cleanup(fakeSrv.Close)
	for _, a := range cfg.Accounts {
		a.BaseURL = fakeSrv.URL + "/" + a.Subdomain
	}

	if h.db, err = store.Open(ctx, cfg.Postgres.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.db.Close)
	for _, name := range cfg.AccountNames() {
		if err := amocrm.ExchangeCode(ctx, h.db, amocrm.AccountFromConfig(cfg.Accounts[name]), "e2e-code"); err != nil {
			t.Fatal(err)
		}
	}
	if h.tc, err = app.DialTemporal(ctx, cfg, quietLogger()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.tc.Close)

	h.startFake1C()
	h.startWorkers()
	t.Cleanup(h.killWorkers)

	broker := mq.FromConfig(cfg.RabbitMQ, "e2e-starter")
	if h.pub, err = broker.NewPublisher(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.pub.Close() })
	h.api = httptest.NewServer(starter.New(cfg, starter.Deps{
		Publisher: h.pub,
		Jobs:      app.TemporalJobs{Client: h.tc},
		Logger:    quietLogger(),
		// Idempotency-Key bindings in the harness's database.
		Idempotency: h.db,
	}))
	t.Cleanup(h.api.Close)
	cfg.HTTP.PublicURL = h.api.URL
	h.startBridge()
	t.Cleanup(h.killBridge)
	h.fake.ResetCalls()
	return h
}

// startWorkers starts this process's Temporal workers in the background, as
// a fresh `amoflow worker` would.
func (h *harness) startWorkers() {
	h.t.Helper()
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	workers := app.Workers(h.cfg, h.tc, clients, h.db)
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() { _ = app.RunWorkers(ctx, workers); close(done) }()
	h.mu.Lock()
	h.stopWorkers, h.workersDone = cancel, done
	h.mu.Unlock()
}

// killWorkers stops the workers; Temporal hands their unfinished tasks to
// the next workers once the tasks time out.
func (h *harness) killWorkers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopWorkers != nil {
		h.stopWorkers()
		<-h.workersDone
		h.stopWorkers = nil
	}
}

// startBridge starts a bridge in the background.
func (h *harness) startBridge() {
	h.mu.Lock()
	defer h.mu.Unlock()
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	b := app.Bridge(h.cfg, h.tc, "e2e-bridge", quietLogger())
	go func() { _ = b.Run(ctx); close(done) }()
	h.stopBridge, h.bridgeDone = cancel, done
}

// killBridge stops the bridge: its unacked messages return to the queues.
func (h *harness) killBridge() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopBridge != nil {
		h.stopBridge()
		<-h.bridgeDone
		h.stopBridge = nil
	}
}

// postForm sends a form and returns the status and decoded answer.
func (h *harness) postForm(form url.Values, header ...string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.api.URL+"/v1/forms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	body, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(body, &out) // an answer that is not JSON leaves out nil for the caller to check
	return resp.StatusCode, out
}

// accept posts a form that must be accepted and returns its job id.
func (h *harness) accept(form url.Values) string {
	h.t.Helper()
	code, out := h.postForm(form)
	if code != http.StatusAccepted {
		h.t.Fatalf("POST /v1/forms = %d %v, want 202", code, out)
	}
	id, _ := out["job_id"].(string)
	if id == "" || !strings.HasPrefix(fmt.Sprint(out["status_url"]), h.api.URL+"/v1/jobs/"+id+"/") {
		h.t.Fatalf("202 answer %v lacks job_id/status_url", out)
	}
	h.mu.Lock()
	if h.statusURLs == nil {
		h.statusURLs = map[string]string{}
	}
	h.statusURLs[id] = fmt.Sprint(out["status_url"])
	h.mu.Unlock()
	return id
}

// waitJob follows the job's status_url until the job is finished.
func (h *harness) waitJob(id string, within time.Duration) starter.JobStatus {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		// The 202's status_url when this harness saw it, else the job id
		// with the 1C token (as 1C may read any job).
		h.mu.Lock()
		u, ok := h.statusURLs[id]
		h.mu.Unlock()
		if !ok {
			u = h.api.URL + "/v1/jobs/" + id
		}
		req, _ := http.NewRequest(http.MethodGet, u+"?wait=20s", nil)
		req.Header.Set("X-Amoflow-Token", h.cfg.Inbound.OneCToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			h.t.Fatal(err)
		}
		var st starter.JobStatus
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			h.t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && st.Status != "running" {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s not finished after %v: %d %+v", id, within, resp.StatusCode, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// completed waits for the job and decodes its result.
func (h *harness) completed(id string, result any) {
	h.t.Helper()
	st := h.waitJob(id, 2*time.Minute)
	if st.Status != "completed" {
		h.t.Fatalf("job %s: %s %s", id, st.Status, st.Error)
	}
	if err := json.Unmarshal(st.Result, result); err != nil {
		h.t.Fatalf("job %s result %s: %v", id, st.Result, err)
	}
}

// apiCalls counts the amoCRM API requests the fake served to an account
// (token requests excluded).
func (h *harness) apiCalls(sub string) []string {
	var out []string
	for _, c := range h.fake.Calls(sub) {
		if !strings.Contains(c.Path, "/oauth2/") {
			out = append(out, fmt.Sprintf("%s → %d", c.Path, c.Status))
		}
	}
	return out
}

// queueDepth is the number of ready messages in a queue.
func (h *harness) queueDepth(kind string) int {
	h.t.Helper()
	conn, err := amqp.Dial(h.cfg.RabbitMQ.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		h.t.Fatal(err)
	}
	q, err := ch.QueueDeclarePassive(mq.FromConfig(h.cfg.RabbitMQ, "").Topology.Queue(kind), true, false, false, false, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return q.Messages
}

// deleteTopology removes the test's queues and exchange.
func deleteTopology(t *testing.T, cfg config.RabbitMQ) { testrig.DeleteTopology(cfg) }

func randomID() string { return testrig.RandomHex(4) }

func quietLogger() *slog.Logger {
	// Errors only: the chaos tests make every component warn on purpose.
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
