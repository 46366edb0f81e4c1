// Command priority measures how long urgent work waits behind a backlog of
// site forms on one amoCRM account: it queues -forms forms for the account
// through the whole stack (HTTP starter, RabbitMQ, bridge, an embedded
// Temporal server with the fairness matcher, the worker, the fake amoCRM
// with its 7 requests per second, tokens in a fresh Postgres database), waits
// until the account's activity queue has a backlog, then sends an amoCRM
// ret2corp webhook, a 1C course update and -other forms from another site,
// and reports how long each took from its 202 to its workflow's end.
//
// The targets: the webhook and the course update complete within -target
// (10 s) while the forms wait; the other site's forms are not stuck behind
// the first site's backlog (fairness). -flat starts every job at the default
// priority without fairness keys, for comparison; it measures at most -wait.
//
//	go run ./bench/priority [-forms 1000] [-other 10] [-flat]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/devserver"
	"amoflow/internal/forms"
	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/starter"
	"amoflow/store"
	"amoflow/workflows"
)

type options struct {
	config   string
	postgres string
	forms    int
	other    int
	backlog  time.Duration
	target   time.Duration
	wait     time.Duration
	flat     bool
	senders  int
	out      string
}

func main() {
	log.SetFlags(log.Ltime)
	var o options
	flag.StringVar(&o.config, "config", "config/example.yaml", "amoflow configuration (accounts, RabbitMQ)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server on which a scratch database is created and dropped")
	flag.IntVar(&o.forms, "forms", 1000, "forms queued on the retail account before the urgent work")
	flag.IntVar(&o.other, "other", 10, "forms from a second site sent with the urgent work")
	flag.DurationVar(&o.backlog, "backlog", 5*time.Second, "how long the forms run before the urgent work is sent")
	flag.DurationVar(&o.target, "target", 10*time.Second, "the webhook and the course update must complete within this")
	flag.DurationVar(&o.wait, "wait", 2*time.Minute, "stop measuring after this long")
	flag.BoolVar(&o.flat, "flat", false, "start every job at the default priority, without fairness keys (comparison)")
	flag.IntVar(&o.senders, "senders", 16, "concurrent HTTP senders of the forms")
	flag.StringVar(&o.out, "out", "bench/results", "directory for priority.md and priority.json (priority-flat.* with -flat)")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// stack is one isolated amoflow: its own queues, task queue, database and fake.
type stack struct {
	cfg    *config.Config
	retail *config.Account
	fake   *amofake.Server
	tc     client.Client
	api    string
	http   *http.Client
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	cfg, err := config.Load(o.config)
	if err != nil {
		return err
	}
	retail, ok := cfg.Account("retail")
	if !ok {
		return fmt.Errorf("no retail account in %s", o.config)
	}
	id := testrig.RandomHex(4)
	cfg.RabbitMQ.Prefix = "amoflow-bench-priority-" + id
	cfg.Temporal.TaskQueue = "bench-priority-" + id
	cfg.Inbound.FormRate = &config.Rate{} // one load generator is one client: no per-client limit
	cfg.Inbound.WebhookToken = "bench-hook-" + id
	cfg.Inbound.OneCToken = "bench-1c-" + id
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "bench-"+a.Name, "bench-secret-"+a.Name
	}

	log.Printf("starting an embedded Temporal server (priority matcher and fairness on)")
	ts, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributeTypes, Logger: quiet})
	if err != nil {
		return fmt.Errorf("embedded Temporal: %w", err)
	}
	defer ts.Stop()
	cfg.Temporal.HostPort = ts.FrontendHostPort()

	s := &stack{cfg: cfg, retail: retail, http: &http.Client{Timeout: 30 * time.Second}}
	s.fake = amofake.New(amofake.FromConfig(cfg, amofake.Options{}))
	fakeURL, err := testrig.Serve(ctx, s.fake)
	if err != nil {
		return err
	}
	for _, a := range cfg.Accounts {
		a.BaseURL = fakeURL + "/" + a.Subdomain
	}
	dbURL, dropDB, err := testrig.ScratchDB(ctx, o.postgres, "amoflow_bench_"+id)
	if err != nil {
		return err
	}
	defer dropDB()
	cfg.Postgres.URL = dbURL
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range cfg.AccountNames() {
		if err := amocrm.ExchangeCode(ctx, db, amocrm.AccountFromConfig(cfg.Accounts[name]), "bench-code"); err != nil {
			return err
		}
	}
	if s.tc, err = app.DialTemporal(ctx, cfg, quiet); err != nil {
		return err
	}
	defer s.tc.Close()
	clients, err := app.AmoClients(cfg, db)
	if err != nil {
		return err
	}
	defer testrig.DeleteTopology(cfg.RabbitMQ) // after the bridge stopped consuming
	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, stopRoles := context.WithCancel(ctx)
	defer stopRoles()
	br := app.Bridge(cfg, s.tc, "amoflow-bench-bridge", quiet)
	br.FlatPriority = o.flat
	wg.Add(2)
	go func() { defer wg.Done(); _ = app.RunWorkers(runCtx, app.Workers(cfg, s.tc, clients, db)) }()
	go func() { defer wg.Done(); _ = br.Run(runCtx) }()
	pub, err := mq.FromConfig(cfg.RabbitMQ, "amoflow-bench-starter").NewPublisher(ctx)
	if err != nil {
		return err
	}
	defer pub.Close()
	if s.api, err = testrig.Serve(ctx, starter.New(cfg, starter.Deps{Publisher: pub, Logger: quiet})); err != nil {
		return err
	}

	rep := &report{Flat: o.flat, Forms: o.forms, Other: o.other, Budget: retail.RPS, Target: o.target.Seconds(),
		Backlog: o.backlog.Seconds(), Command: strings.TrimSpace("go run ./bench/priority " + strings.Join(os.Args[1:], " ")),
		GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(), Load1: testrig.Load1(), Start: time.Now()}
	tag := "prio-" + id
	leadID := s.seedRet2Corp()

	// The backlog: every form of the first site, as fast as the senders go.
	log.Printf("queueing %d forms on the retail account", o.forms)
	start := time.Now()
	ids := make([]string, o.forms)
	if err := s.postAll(o.senders, o.forms, func(i int) (string, error) {
		f := forms.Values(100_000+i, tag)
		ids[i], err = s.post(f)
		return ids[i], err
	}); err != nil {
		return err
	}
	rep.PostSeconds = time.Since(start).Seconds()
	log.Printf("all %d forms accepted in %.1f s; letting them run %s", o.forms, rep.PostSeconds, o.backlog)
	time.Sleep(o.backlog)

	// The urgent work and the other site's forms, at once; each is timed
	// from its 202 to its workflow's end.
	rep.FormsDoneBefore = s.formsDone()
	wctx, cancelWait := context.WithTimeout(ctx, o.wait)
	defer cancelWait()
	var pw sync.WaitGroup
	var mu sync.Mutex
	var results []result
	probe := func(what string, send func() (string, error)) error {
		job, err := send()
		if err != nil {
			return err
		}
		sent := time.Now()
		pw.Go(func() {
			err := s.wait(wctx, job)
			r := result{What: what, Job: job, Seconds: time.Since(sent).Seconds()}
			if err != nil {
				r.Err = err.Error()
				if wctx.Err() != nil {
					r.Err = fmt.Sprintf("not done after %s", o.wait)
				}
			}
			log.Printf("%s: %.1f s %s", what, r.Seconds, r.Err)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
		return nil
	}
	err = probe("amoCRM webhook ret2corp", func() (string, error) {
		return s.webhook("ret2corp", stageHook(leadID, 3198184, 35942104, 32532883, retail.AccountID, retail.Subdomain))
	})
	if err != nil {
		return err
	}
	err = probe("1C course update", func() (string, error) {
		return s.onec("/v1/1c/courses", map[string]any{"product_id_1C": "5e2f6a3c-0000-4000-8000-" + id + "0000", "name": "Массаж классический " + id,
			"short_name": "ММЦ-И", "ItemPrices": []map[string]any{{"UID": "9e633e6d-3d2d-11eb-86e1-82172a65f31e", "Price": 6000}}})
	})
	if err != nil {
		return err
	}
	for i := range o.other {
		f := forms.Values(200_000+i, tag)
		f.Set("site", "www.other-site.example")
		if err := probe("form of another site", func() (string, error) { return s.post(f) }); err != nil {
			return err
		}
	}
	log.Printf("urgent work sent; %d/%d forms of the backlog done so far", rep.FormsDoneBefore, o.forms)
	pw.Wait()
	for _, r := range results {
		if r.What != "form of another site" {
			rep.Timelines = append(rep.Timelines, s.timeline(ctx, r.Job)...)
		}
	}
	slices.SortStableFunc(results, func(a, b result) int { return strings.Compare(a.What, b.What) })
	rep.Results = results
	rep.FormsDoneAfter = s.formsDone()
	var api []time.Time
	for _, c := range s.fake.Calls(retail.Subdomain) {
		if strings.Contains(c.Path, " /api/") && c.Time.After(start) {
			api = append(api, c.Time)
		}
		if c.Status == http.StatusTooManyRequests {
			rep.TooMany++
		}
	}
	if n := len(api); n > 1 {
		rep.RPS = float64(n-1) / api[n-1].Sub(api[0]).Seconds()
	}
	rep.End = time.Now()
	rep.Load1End = testrig.Load1()
	return rep.write(o.out)
}

type result struct {
	What    string  `json:"what"`
	Job     string  `json:"job_id"`
	Seconds float64 `json:"seconds"`
	Err     string  `json:"error,omitempty"`
}

// seedRet2Corp adds a retail client with a lead in the stage that hands over
// to the corporate account; it returns the lead's id.
func (s *stack) seedRet2Corp() int64 {
	sub := s.retail.Subdomain
	contact := s.fake.AddContact(sub, amofake.Contact{Name: "Ольга Петрова",
		CustomFields: []amofake.FieldValue{amofake.Phone("+79165551234"), amofake.Email("olga@corp.example")}})
	return s.fake.AddLead(sub, amofake.Lead{Name: "Обучение сотрудников", PipelineID: 3198184, StatusID: 35942104, Price: 45000,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpo-s.ru"), amofake.Text(639081, "mzpo-s.ru")},
		ContactIDs:   []int64{contact}})
}

// stageHook is a digital-pipeline hook for a lead's stage change.
func stageHook(leadID, pipeline, status, oldStatus, account int64, sub string) string {
	return fmt.Sprintf("leads[status][0][id]=%d&leads[status][0][status_id]=%d&leads[status][0][pipeline_id]=%d&leads[status][0][old_status_id]=%d&leads[status][0][old_pipeline_id]=%d&account[id]=%d&account[subdomain]=%s",
		leadID, status, pipeline, oldStatus, pipeline, account, sub)
}

func (s *stack) postAll(senders, n int, post func(i int) (string, error)) error {
	next := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := range next {
				if _, err := post(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// accepted sends a request that must be answered 202 and returns its job id.
// A request cut by the transport is sent again (job ids are deterministic,
// so a repeat is the same job).
func (s *stack) accepted(req *http.Request) (string, error) {
	var resp *http.Response
	var err error
	for attempt := 0; ; attempt++ {
		if req.GetBody != nil {
			req.Body, _ = req.GetBody()
		}
		if resp, err = s.http.Do(req); err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a struct {
		JobID string `json:"job_id"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(body, &a) != nil || a.JobID == "" {
		return "", fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(body))
	}
	return a.JobID, nil
}

func (s *stack) post(form url.Values) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, s.api+"/v1/forms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.accepted(req)
}

func (s *stack) webhook(method, body string) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, s.api+"/v1/amo/webhooks/"+method+"?token="+s.cfg.Inbound.WebhookToken, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.accepted(req)
}

func (s *stack) onec(path string, body any) (string, error) {
	js, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.api+path, bytes.NewReader(js))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amoflow-Token", s.cfg.Inbound.OneCToken)
	return s.accepted(req)
}

// wait waits for a job's workflow to end; until the bridge started it,
// Temporal does not know it.
func (s *stack) wait(ctx context.Context, id string) error {
	for {
		err := s.tc.GetWorkflow(ctx, id, "").Get(ctx, nil)
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			return err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// timeline lists, for a workflow and its children, each task's queue wait
// (scheduled → started) and run time (started → completed).
func (s *stack) timeline(ctx context.Context, id string) []string {
	var out []string
	var children []string
	sched := map[int64]time.Time{}
	started := map[int64]time.Time{}
	var first time.Time
	it := s.tc.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return append(out, fmt.Sprintf("%s: %v", id, err))
		}
		t := e.GetEventTime().AsTime()
		if first.IsZero() {
			first = t
		}
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			sched[e.GetEventId()] = t
		case enums.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			a := e.GetWorkflowTaskStartedEventAttributes()
			started[e.GetEventId()] = t
			out = append(out, fmt.Sprintf("%s +%.1fs workflow task waited %.2fs", id, t.Sub(first).Seconds(), t.Sub(sched[a.GetScheduledEventId()]).Seconds()))
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			started[e.GetEventId()] = t
			out = append(out, fmt.Sprintf("%s +%.1fs activity waited %.2fs in the queue", id, t.Sub(first).Seconds(), t.Sub(sched[a.GetScheduledEventId()]).Seconds()))
		case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, enums.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			st := e.GetActivityTaskCompletedEventAttributes().GetStartedEventId()
			if st == 0 {
				st = e.GetActivityTaskFailedEventAttributes().GetStartedEventId()
			}
			out = append(out, fmt.Sprintf("%s +%.1fs activity ran %.2fs (%v)", id, t.Sub(first).Seconds(), t.Sub(started[st]).Seconds(), e.GetEventType()))
		case enums.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			children = append(children, e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId())
		}
	}
	for _, c := range children {
		out = append(out, s.timeline(ctx, c)...)
	}
	return out
}

// formsDone counts the forms that reached their last step: each ends with
// a note on its lead (the seeded ret2corp lead has none).
func (s *stack) formsDone() int {
	return len(s.fake.Notes(s.retail.Subdomain, "leads"))
}

type report struct {
	Command         string    `json:"command"`
	GoVersion       string    `json:"go_version"`
	NumCPU          int       `json:"num_cpu"`
	Load1           float64   `json:"load1_at_start"`
	Load1End        float64   `json:"load1_at_end"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	Flat            bool      `json:"flat_priority"`
	Forms           int       `json:"backlog_forms"`
	Other           int       `json:"other_site_forms"`
	Budget          float64   `json:"budget_rps"`
	Target          float64   `json:"target_seconds"`
	Backlog         float64   `json:"backlog_seconds_before_urgent"`
	PostSeconds     float64   `json:"post_seconds"`
	FormsDoneBefore int       `json:"backlog_forms_done_when_urgent_sent"`
	FormsDoneAfter  int       `json:"backlog_forms_done_when_measured"`
	RPS             float64   `json:"retail_rps"`
	TooMany         int       `json:"http_429"`
	Results         []result  `json:"results"`
	// Timelines show where the urgent jobs waited: per workflow and
	// activity task, the time from scheduled to started (in the task
	// queue) and from started to completed (in the worker).
	Timelines []string `json:"timelines"`
}

func (r *report) write(dir string) error {
	var b strings.Builder
	w := &b
	mode := "priority and fairness keys"
	if r.Flat {
		mode = "flat: every job at the default priority, no fairness keys (comparison)"
	}
	fmt.Fprintf(w, "## Priority: urgent work behind %d queued forms, one account (%s)\n\n", r.Forms, mode)
	fmt.Fprintf(w, "Run %s – %s, `%s`, %s, %d CPUs, load average (1 min) %.2f at start, %.2f at end.\n\n",
		r.Start.Format("2006-01-02 15:04"), r.End.Format("15:04"), r.Command, r.GoVersion, r.NumCPU, r.Load1, r.Load1End)
	fmt.Fprintf(w, "%d forms accepted in %.1f s; the urgent work was sent %.0f s later, with %d of them done. Retail account: %.2f req/s (budget %.0f), %d 429s.\n\n",
		r.Forms, r.PostSeconds, r.Backlog, r.FormsDoneBefore, r.RPS, r.Budget, r.TooMany)
	fmt.Fprintf(w, "| job | 202 → workflow completed | target |\n|---|---:|---|\n")
	var other []float64
	for _, x := range r.Results {
		val := fmt.Sprintf("%.1f s", x.Seconds)
		if x.Err != "" {
			val = x.Err
		}
		switch x.What {
		case "form of another site":
			if x.Err == "" {
				other = append(other, x.Seconds)
			}
			continue
		}
		fmt.Fprintf(w, "| %s | %s | ≤ %.0f s: %s |\n", x.What, val, r.Target, verdict(x.Err == "" && x.Seconds <= r.Target))
	}
	if r.Other > 0 {
		val := fmt.Sprintf("%d/%d done", len(other), r.Other)
		if len(other) > 0 {
			val += fmt.Sprintf(", %.1f – %.1f s", slices.Min(other), slices.Max(other))
		}
		fmt.Fprintf(w, "| %d forms of another site | %s | not behind the backlog (%d forms of the first site done meanwhile) |\n", r.Other, val, r.FormsDoneAfter-r.FormsDoneBefore)
	}
	fmt.Print("\n", b.String())
	for _, l := range r.Timelines {
		fmt.Println(l)
	}
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := "priority"
	if r.Flat {
		name = "priority-flat"
	}
	if err := os.WriteFile(filepath.Join(dir, name+".md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(r, "", "  ")
	return os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644)
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}
