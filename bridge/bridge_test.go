package bridge

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"amoflow/devserver"
	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/workflows"
)

// These tests run the bridge against real RabbitMQ (a random prefix) and an
// embedded Temporal server, with a stand-in for the form workflow whose
// outcome each test chooses per job.

var temporalServer *devserver.Server

func TestMain(m *testing.M) {
	if flag.Parse(); testing.Short() {
		os.Exit(m.Run()) // no server: newRig skips the tests that need it
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributeTypes, Logger: quiet()})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bridge: embedded Temporal:", err)
		os.Exit(1)
	}
	temporalServer = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// outcomes says how the stand-in form workflow ends, per job id: "fail",
// "block" (until signalled "done") or, by default, success.
type outcomes struct {
	mu sync.Mutex
	m  map[string]string
}

func (o *outcomes) set(id, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.m[id] = outcome
}

func (o *outcomes) get(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[id]
}

type rig struct {
	t    *testing.T
	tc   client.Client
	pub  *mq.Publisher
	topo mq.Topology
	ch   *amqp.Channel
	tq   string
	ends *outcomes
}

// newRig runs a bridge (one message at a time, so messages are handled in
// publishing order, unless tune changes it) and a worker with the stand-in
// workflow.
func newRig(t *testing.T, tune ...func(*Bridge)) *rig {
	t.Helper()
	testrig.NeedsServers(t, "Temporal and RabbitMQ")
	ctx, cancel := context.WithCancel(context.Background())
	tc, err := client.Dial(client.Options{HostPort: temporalServer.FrontendHostPort(), Logger: quietTemporal{}})
	if err != nil {
		t.Fatal(err)
	}
	broker, ch := testBroker(t, 20)
	pub, err := broker.NewPublisher(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, tc: tc, pub: pub, topo: broker.Topology, ch: ch, tq: "bridgetest-" + testrig.RandomHex(6), ends: &outcomes{m: map[string]string{}}}

	w := worker.New(tc, r.tq, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.FormInput) (string, error) {
		var outcome string
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return r.ends.get(in.JobID) }).Get(&outcome); err != nil {
			return "", err
		}
		switch outcome {
		case "fail":
			return "", temporal.NewNonRetryableApplicationError("test: failed", "Test", nil)
		case "block":
			workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
		}
		return "ok", nil
	}, workflow.RegisterOptions{Name: workflows.CreateLeadFromFormName})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	b := &Bridge{Temporal: tc, TaskQueue: r.tq, Broker: broker, Prefetch: 1, Logger: quiet(), DepthEvery: -1}
	for _, f := range tune {
		f(b)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bridge: %v", err)
		}
		w.Stop()
		_ = pub.Close()
		tc.Close()
	})
	return r
}

// testBroker is a broker on a fresh prefix and a channel to look into its
// queues, which are deleted when the test ends (after the test's own
// cleanups, registered later).
func testBroker(t *testing.T, deliveryLimit int) (mq.Broker, *amqp.Channel) {
	t.Helper()
	broker := mq.Broker{
		URL:        "amqp://guest:guest@127.0.0.1:5672/",
		Topology:   mq.Topology{Prefix: "amoflowtest.bridge." + testrig.RandomHex(6), DeliveryLimit: deliveryLimit},
		MaxBackoff: 200 * time.Millisecond,
		Logger:     quiet(),
	}
	if u := os.Getenv("AMOFLOW_TEST_RABBITMQ_URL"); u != "" {
		broker.URL = u
	}
	conn, err := amqp.Dial(broker.URL)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, q := range append(broker.Topology.Queues(), broker.Topology.DeadQueue()) {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(broker.Topology.DeadExchange(), false, false)
		conn.Close()
	})
	return broker, ch
}

// submit publishes the form job id on retail, as the starter does for a
// (re)submission.
func (r *rig) submit(id string) { r.submitTo("retail", id) }

// submitTo publishes a form of job id for account.
func (r *rig) submitTo(account, id string) {
	r.t.Helper()
	body, _ := json.Marshal(workflows.FormInput{JobID: id, Account: account, ReceivedAt: time.Now().UTC(),
		Fields: map[string]string{"site": "mzpo-s.ru"}})
	if err := r.pub.Publish(context.Background(), mq.Message{ID: id, Kind: mq.KindForm, Account: account, ReceivedAt: time.Now(), Body: body}); err != nil {
		r.t.Fatal(err)
	}
}

// flush waits until the bridge handled everything published so far: a
// sentinel job, published last, has started.
func (r *rig) flush() {
	r.t.Helper()
	id := "sentinel-" + testrig.RandomHex(4)
	r.submit(id)
	r.wait(id, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
}

// wait waits for job id's latest run to reach status and returns its run id.
func (r *rig) wait(id string, status enums.WorkflowExecutionStatus) string {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := r.tc.DescribeWorkflowExecution(context.Background(), id, "")
		if err == nil && d.WorkflowExecutionInfo.Status == status {
			return d.WorkflowExecutionInfo.Execution.RunId
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("job %s: %v (err %v), want %v", id, d.GetWorkflowExecutionInfo().GetStatus(), err, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runs counts the runs of job id, giving visibility (written
// asynchronously) up to two seconds to show at least want.
func (r *rig) runs(id string, want int) int {
	r.t.Helper()
	n := r.listRuns(id)
	for deadline := time.Now().Add(2 * time.Second); n < want && time.Now().Before(deadline); n = r.listRuns(id) {
		time.Sleep(50 * time.Millisecond)
	}
	return n
}

func (r *rig) listRuns(id string) int {
	n := 0
	var token []byte
	for {
		resp, err := r.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", id), NextPageToken: token})
		if err != nil {
			r.t.Fatal(err)
		}
		n += len(resp.Executions)
		if token = resp.NextPageToken; len(token) == 0 {
			return n
		}
	}
}

func TestFailedJobRunsAgainOnResubmission(t *testing.T) {
	r := newRig(t)
	r.ends.set("form-failed", "fail")
	r.submit("form-failed")
	first := r.wait("form-failed", enums.WORKFLOW_EXECUTION_STATUS_FAILED)

	r.ends.set("form-failed", "") // the cause is fixed
	r.submit("form-failed")
	second := r.wait("form-failed", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	if second == first {
		t.Fatal("the resubmitted job did not run again")
	}
	// Completed now: a third submission runs nothing.
	r.submit("form-failed")
	r.flush()
	if d, _ := r.tc.DescribeWorkflowExecution(context.Background(), "form-failed", ""); d.WorkflowExecutionInfo.Execution.RunId != second {
		t.Error("a completed job ran again")
	}
	if n := r.runs("form-failed", 2); n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
}

func TestTerminatedJobRunsAgainOnResubmission(t *testing.T) {
	r := newRig(t)
	r.ends.set("form-term", "block")
	r.submit("form-term")
	first := r.wait("form-term", enums.WORKFLOW_EXECUTION_STATUS_RUNNING)
	if err := r.tc.TerminateWorkflow(context.Background(), "form-term", first, "test: operator"); err != nil {
		t.Fatal(err)
	}
	r.ends.set("form-term", "")
	r.submit("form-term")
	if second := r.wait("form-term", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED); second == first {
		t.Fatal("the resubmitted job did not run again")
	}
}

func TestCompletedOrRunningJobDoesNotRunAgain(t *testing.T) {
	r := newRig(t)
	r.submit("form-done")
	done := r.wait("form-done", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	r.ends.set("form-busy", "block")
	r.submit("form-busy")
	busy := r.wait("form-busy", enums.WORKFLOW_EXECUTION_STATUS_RUNNING)

	r.submit("form-done")
	r.submit("form-busy")
	r.flush()
	if n := r.runs("form-done", 1); n != 1 {
		t.Errorf("completed job: %d runs, want 1", n)
	}
	if n := r.runs("form-busy", 1); n != 1 {
		t.Errorf("running job: %d runs, want 1", n)
	}
	if got := r.wait("form-done", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED); got != done {
		t.Error("completed job ran again")
	}
	if got := r.wait("form-busy", enums.WORKFLOW_EXECUTION_STATUS_RUNNING); got != busy {
		t.Error("running job was restarted")
	}
	// Nothing was dead-lettered or left behind.
	for _, q := range append(r.topo.Queues(), r.topo.DeadQueue()) {
		if st, err := r.ch.QueueDeclarePassive(q, true, false, false, false, nil); err != nil || st.Messages != 0 {
			t.Errorf("%s: %d messages (%v)", q, st.Messages, err)
		}
	}
	if err := r.tc.SignalWorkflow(context.Background(), "form-busy", "", "done", nil); err != nil {
		t.Fatal(err)
	}
	r.wait("form-busy", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
}

// The bridge starts forms at a lower priority than webhooks and 1C, keyed by site.
func TestStartOptionsCarryPriority(t *testing.T) {
	r := newRig(t)
	r.submit("form-prio")
	r.wait("form-prio", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	d, err := r.tc.DescribeWorkflowExecution(context.Background(), "form-prio", "")
	if err != nil {
		t.Fatal(err)
	}
	p := d.WorkflowExecutionInfo.GetPriority()
	if p.GetPriorityKey() != PriorityForm || p.GetFairnessKey() != "site:mzpo-s.ru" {
		t.Errorf("priority %v, want %d and site:mzpo-s.ru", p, PriorityForm)
	}
}

// While Temporal cannot be reached, a message is held for the hold limit,
// then put back, again and again, and never dead-lettered, however low the
// delivery limit.
func TestUnreachableTemporalPutsBackNotDeadLetters(t *testing.T) {
	testrig.NeedsServers(t, "RabbitMQ")
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: quietTemporal{}}) // nothing listens
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	broker, ch := testBroker(t, 1)
	pub, err := broker.NewPublisher(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	id := "whd-retail-ret2corp-" + testrig.RandomHex(4)
	body, _ := json.Marshal(workflows.WebhookInput{JobID: id, Account: "retail", Method: "ret2corp", ReceivedAt: time.Now().UTC()})
	if err := pub.Publish(context.Background(), mq.Message{ID: id, Kind: mq.KindWebhook, Account: "retail", ReceivedAt: time.Now(), Body: body}); err != nil {
		t.Fatal(err)
	}

	put0 := testutil.ToFloat64(putBacks.WithLabelValues("temporal_unavailable"))
	b := &Bridge{Temporal: tc, TaskQueue: "bridgetest-down", Broker: broker, Prefetch: 1, Logger: quiet(), DepthEvery: -1,
		MaxBackoff: 100 * time.Millisecond, HoldLimit: 300 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	// Three put-backs: a requeue would have been dead-lettered at the second.
	for deadline := time.Now().Add(time.Minute); testutil.ToFloat64(putBacks.WithLabelValues("temporal_unavailable"))-put0 < 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the held message was not put back three times in a minute")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("bridge: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the consumer's channel is closed: its message is ready again
	for q, want := range map[string]int{broker.Topology.Queue(mq.KindWebhook): 1, broker.Topology.DeadQueue(): 0} {
		if st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil); err != nil || st.Messages != want {
			t.Errorf("%s: %d messages (%v), want %d", q, st.Messages, err, want)
		}
	}
}

// quietTemporal drops the SDK's logs.
type quietTemporal struct{}

func (quietTemporal) Debug(string, ...any) {}
func (quietTemporal) Info(string, ...any)  {}
func (quietTemporal) Warn(string, ...any)  {}
func (quietTemporal) Error(string, ...any) {}
