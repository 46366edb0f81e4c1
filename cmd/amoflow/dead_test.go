package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"amoflow/app"
	"amoflow/config"
	"amoflow/devserver"
	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/workflows"
)

// TestDeadCommand runs `amoflow dead` against real RabbitMQ (a random
// prefix) with a bridge and a stand-in form workflow on an embedded Temporal
// server: show hides the body unless asked, purge removes by age, and a job
// dead-lettered twice and replayed runs once.
func TestDeadCommand(t *testing.T) {
	testrig.NeedsServers(t, "Temporal and RabbitMQ")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts, err := devserver.Start(ctx, devserver.Options{UIPort: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Stop()

	id := testrig.RandomHex(6)
	prefix := "amoflowtest.cli." + id
	raw, err := os.ReadFile("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(raw), "prefix: amoflow\n", "prefix: "+prefix+"\n", 1)
	if conf == string(raw) {
		t.Fatal("example.yaml has no rabbitmq prefix line to replace")
	}
	path := filepath.Join(t.TempDir(), "amoflow.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.HostPort = ts.FrontendHostPort()
	cfg.Temporal.TaskQueue = "clitest-" + id
	topo := mq.FromConfig(cfg.RabbitMQ, "").Topology

	conn, err := amqp.Dial(cfg.RabbitMQ.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, q := range append(topo.Queues(), topo.DeadQueue()) {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(topo.DeadExchange(), false, false)
	}()
	if err := mq.FromConfig(cfg.RabbitMQ, "test").Declare(); err != nil {
		t.Fatal(err)
	}

	// Dead letters: the same job twice (redelivered, dead-lettered twice) and an old one.
	const phone = "+79161234567"
	kill := func(job string, at time.Time) {
		body, _ := json.Marshal(workflows.FormInput{JobID: job, Account: "retail", ReceivedAt: at, Fields: map[string]string{"phone": phone}})
		err := ch.Publish(topo.DeadExchange(), "", false, false, amqp.Publishing{
			MessageId: job, Type: mq.KindForm, ContentType: "application/json", DeliveryMode: amqp.Persistent, Timestamp: at, Body: body,
			Headers: amqp.Table{mq.HeaderKind: mq.KindForm, mq.HeaderAccount: "retail", mq.HeaderReceivedAt: at.UTC().Format(time.RFC3339Nano),
				mq.HeaderReason: "test: amoCRM said no", mq.HeaderOriginalQueue: topo.Queue(mq.KindForm), mq.HeaderDeadAt: at.UTC().Format(time.RFC3339Nano)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	kill("form-twice", now.Add(-time.Hour))
	kill("form-twice", now.Add(-time.Minute))
	kill("form-old", now.Add(-40*24*time.Hour))

	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := deadCommand(ctx, append(args, "--config", path), &out); err != nil {
			t.Fatalf("amoflow dead %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	waitFor(t, func() bool { return strings.Contains(run("list"), "3 dead letters") })
	if out := run("list"); !strings.Contains(out, "form-twice") || !strings.Contains(out, "test: amoCRM said no") || strings.Contains(out, phone) {
		t.Errorf("list:\n%s", out)
	}
	if out := run("show", "form-old"); !strings.Contains(out, "test: amoCRM said no") || strings.Contains(out, phone) || !strings.Contains(out, "--body") {
		t.Errorf("show without --body:\n%s", out)
	}
	if out := run("show", "form-old", "--body"); !strings.Contains(out, phone) {
		t.Errorf("show --body:\n%s", out)
	}
	if out := run("purge", "--older-than", "30d"); !strings.Contains(out, "1 purged") {
		t.Errorf("purge:\n%s", out)
	}
	if out := run("list"); strings.Contains(out, "form-old") || !strings.Contains(out, "2 dead letters") {
		t.Errorf("list after purge:\n%s", out)
	}

	// The bridge and a stand-in form workflow, then the replay.
	tc, err := app.DialTemporal(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	w := worker.New(tc, cfg.Temporal.TaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.FormInput) (string, error) { return in.JobID, nil },
		workflow.RegisterOptions{Name: workflows.CreateLeadFromFormName})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	b := app.Bridge(cfg, tc, "clitest", quiet)
	bctx, stopBridge := context.WithCancel(ctx)
	bridged := make(chan error, 1)
	go func() { bridged <- b.Run(bctx) }()
	defer func() {
		stopBridge()
		if err := <-bridged; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("bridge: %v", err)
		}
	}()

	if out := run("replay", "--all"); !strings.Contains(out, "2 replayed") {
		t.Errorf("replay:\n%s", out)
	}
	waitFor(t, func() bool {
		d, err := tc.DescribeWorkflowExecution(ctx, "form-twice", "")
		return err == nil && d.WorkflowExecutionInfo.Status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	waitFor(t, func() bool {
		st, err := ch.QueueDeclarePassive(topo.Queue(mq.KindForm), true, false, false, false, nil)
		return err == nil && st.Messages == 0
	})
	time.Sleep(500 * time.Millisecond) // the second copy is acked after its start was refused
	n := 0
	waitFor(t, func() bool { // visibility is written asynchronously
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = 'form-twice'"})
		if err != nil {
			t.Fatal(err)
		}
		n = len(resp.Executions)
		return n > 0
	})
	if n != 1 {
		t.Errorf("the replayed job ran %d times, want once", n)
	}
	if out := run("list"); !strings.Contains(out, "0 dead letters") {
		t.Errorf("list after replay:\n%s", out)
	}
	var out bytes.Buffer
	if err := deadCommand(ctx, []string{"replay", "form-nope", "--config", path}, &out); err == nil {
		t.Error("replaying an unknown job succeeded")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
