// Package deploy holds the operator's files (Prometheus alerts, Grafana
// dashboard, Temporal dynamic config); its test keeps them true to the code.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	_ "amoflow/amocrm"
	"amoflow/app"
	"amoflow/config"
	"amoflow/devserver"
	_ "amoflow/eventsapi"
	"amoflow/internal/testrig"
	"amoflow/metrics"
	"amoflow/mq"
	_ "amoflow/onec"
	"amoflow/starter"
)

var promql = parser.NewParser(parser.Options{})

// prometheusOwn are series Prometheus itself makes for every target.
var prometheusOwn = map[string]bool{"up": true, "scrape_duration_seconds": true}

var (
	namesOnce sync.Once
	names     map[string]bool
)

// exportedNames is every metric name the code exports: amoflow's registered
// series, and the Temporal SDK's as the SDK reports them through
// app.TemporalMetrics (a workflow with a failing activity is run for that).
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	testrig.NeedsServers(t, "an embedded Temporal server")
	namesOnce.Do(func() {
		// The starter registers its series when built.
		starter.New(&config.Config{}, starter.Deps{Publisher: nopPublisher{}})
		runFailingWorkflow(t)
		names = map[string]bool{}
		for _, n := range metrics.Names() {
			names[n] = true
		}
	})
	return names
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, mq.Message) error { return nil }

// runFailingWorkflow runs, on an embedded Temporal server, a workflow whose
// activity (on an amoCRM-style queue) fails, through a client and workers
// with app.TemporalMetrics: the SDK then reports its series into metrics.Registry.
func runFailingWorkflow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.FrontendHostPort(), MetricsHandler: app.TemporalMetrics(),
		Logger: log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fail := func(ctx context.Context) error {
		return temporal.NewNonRetryableApplicationError("boom", "Test", errors.New("boom"))
	}
	wf := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, TaskQueue: "rules-amo-retail"})
		return workflow.ExecuteActivity(ctx, "Fail").Get(ctx, nil)
	}
	ww := worker.New(c, "rules", worker.Options{})
	ww.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "FailingFlow"})
	aw := worker.New(c, "rules-amo-retail", worker.Options{})
	aw.RegisterActivityWithOptions(fail, activity.RegisterOptions{Name: "Fail"})
	for _, w := range []worker.Worker{ww, aw} {
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "rules"}, "FailingFlow")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err == nil {
		t.Fatal("the workflow did not fail")
	}
	// The worker counts the failure once the server took the completion,
	// which may be just after the client saw the result.
	for !slices.Contains(metrics.Names(), "temporal_workflow_failed_total") && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
}

// base strips the suffixes Prometheus adds to a histogram's or summary's series.
func base(name string, names map[string]bool) string {
	if names[name] {
		return name
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(name, suf); ok && names[b] {
			return b
		}
	}
	return name
}

// unknown lists the metrics expr reads that the code does not export.
func unknown(t *testing.T, expr string, names map[string]bool) []string {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v", expr, err)
		return nil
	}
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && !prometheusOwn[vs.Name] && !names[base(vs.Name, names)] {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

func TestAlertRules(t *testing.T) {
	groups, errs := rulefmt.ParseFile("prometheus/alerts.yml", false, model.UTF8Validation, promql)
	for _, err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	names := exportedNames(t)
	alerts := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			for _, n := range unknown(t, r.Expr, names) {
				t.Errorf("alert %s: metric %s is not exported by the code", r.Alert, n)
			}
		}
	}
	for _, want := range []string{"AmoflowAccountNeedsReauth", "AmoflowAccountBlocked", "AmoflowAmoCRM429",
		"AmoflowDeadLetters", "AmoflowAmoQueueScheduleToStart", "AmoflowWorkflowsFailed"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}

	// The checks themselves catch what they are for.
	if got := unknown(t, "rate(amoflow_no_such_metric_total[5m]) > 0", names); len(got) != 1 {
		t.Errorf("an unknown name passes: %v", got)
	}
	if _, errs := rulefmt.Parse([]byte("groups: [{name: g, rules: [{alert: A, expr: 'sum(x'}]}]"), false, model.UTF8Validation, promql); len(errs) == 0 {
		t.Error("a bad expression passes the rule parser")
	}
}

func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("grafana/amoflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	names := exportedNames(t)
	vars := strings.NewReplacer("$account", ".*")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			n++
			for _, m := range unknown(t, vars.Replace(tg.Expr), names) {
				t.Errorf("panel %q: metric %s is not exported by the code", p.Title, m)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d queries in the dashboard", n)
	}
}
