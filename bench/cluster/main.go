// Command cluster measures the amoCRM budget with the roles as separate OS
// processes, as production runs them: 2 × `amoflow serve`, 2 × `amoflow
// bridge`, 3 × `amoflow worker` (the binary built from ./cmd/amoflow) and one
// Temporal server (this program again with -role temporal: the embedded dev
// server, SQLite in memory). The driver holds the fake amoCRM (both accounts,
// 429 past 7 requests in any second, optional answer-time distribution), a
// scratch Postgres database and the load: site forms on retail, posted to
// both starters in turn, and ret2corp webhooks (4 retail and 6 corporate
// requests each), so both accounts are loaded at once.
//
// Two modes. Saturation (default): every form and webhook at once; per
// account it reports the request rate against the configured rps, the 429s
// and the busiest sliding 1-second window. Open loop (-rate N): forms at N
// per second for -duration, no webhooks; it reports each form's time from
// its 202 to its workflow's end (form → lead), p50/p99.
//
// Both modes count workflow history events and bytes of a sample of forms
// and webhooks.
//
//	go run ./bench/cluster [-forms 150] [-hooks 60] [-answer-median 150ms -answer-slow 0.01] [-rate 0.72 -duration 60s]
package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/bench/internal/benchkit"
	"amoflow/config"
	"amoflow/devserver"
	"amoflow/internal/forms"
	"amoflow/internal/testrig"
	"amoflow/store"
	"amoflow/workflows"
)

type options struct {
	config, postgres, out, name string
	serves, bridges, workers    int
	forms, hooks, senders       int
	corpForms                   int
	rate                        float64
	duration, timeout           time.Duration
	answer                      amofake.LatencyDist
	fakeRPS                     int
	historySample               int
}

func main() {
	log.SetFlags(log.Ltime)
	role := flag.String("role", "driver", "driver, or temporal (the server process the driver starts)")
	var o options
	flag.StringVar(&o.config, "config", "config/example.yaml", "amoflow configuration (accounts; its rps are the budgets)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server on which a scratch database is created and dropped")
	flag.StringVar(&o.out, "out", "bench/results", "directory for NAME.md and NAME.json")
	flag.StringVar(&o.name, "name", "", "result file name (default cluster, or cluster-rate-N in open loop)")
	flag.IntVar(&o.serves, "serves", 2, "amoflow serve processes")
	flag.IntVar(&o.bridges, "bridges", 2, "amoflow bridge processes")
	flag.IntVar(&o.workers, "workers", 3, "amoflow worker processes")
	flag.IntVar(&o.forms, "forms", 150, "saturation: site forms on retail")
	flag.IntVar(&o.hooks, "hooks", 60, "saturation: ret2corp webhooks (retail → corporate)")
	flag.IntVar(&o.corpForms, "corp-forms", 0, "saturation: site forms on the corporate account (amo=corp), to saturate it too")
	flag.IntVar(&o.senders, "senders", 8, "saturation: concurrent HTTP senders")
	flag.Float64Var(&o.rate, "rate", 0, "open loop: forms per second (0: saturation mode)")
	flag.DurationVar(&o.duration, "duration", time.Minute, "open loop: how long forms are sent")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up waiting for the workflows after this long")
	flag.DurationVar(&o.answer.Median, "answer-median", 0, "fake amoCRM: median answer time (0: microseconds)")
	flag.Float64Var(&o.answer.Sigma, "answer-sigma", 0.35, "fake amoCRM: spread (σ of the log) of the answer time")
	flag.Float64Var(&o.answer.Slow, "answer-slow", 0, "fake amoCRM: share of answers that take -answer-slow-time")
	flag.DurationVar(&o.answer.SlowTime, "answer-slow-time", 2*time.Second, "fake amoCRM: time of a slow answer")
	flag.IntVar(&o.fakeRPS, "fake-rps", 0, "fake amoCRM: 429 past this many requests in any second (0: amoCRM's 7)")
	flag.IntVar(&o.historySample, "history-sample", 10, "workflows of each kind whose history is measured")
	flag.Parse()
	var err error
	if *role == "temporal" {
		err = runTemporal()
	} else {
		err = run(o)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// runTemporal is the Temporal server process: it prints "ready HOST:PORT"
// and serves until SIGTERM.
func runTemporal() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ts, err := devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: workflows.SearchAttributeTypes,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		return err
	}
	fmt.Printf("ready %s\n", ts.FrontendHostPort())
	<-ctx.Done()
	ts.Stop()
	return nil
}

type proc struct {
	role string
	cmd  *exec.Cmd
	log  string
	out  *bufio.Reader // the Temporal process's stdout
}

// cluster is the run's processes and what the driver needs to load them.
type cluster struct {
	o       options
	id      string
	dir     string
	cfg     *config.Config
	env     []string
	procs   []*proc
	apis    []string
	fake    *amofake.Server
	tc      client.Client
	http    *http.Client
	hookTok string
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &cluster{o: o, id: testrig.RandomHex(4), http: &http.Client{Timeout: 30 * time.Second}}
	var err error
	if c.dir, err = os.MkdirTemp("", "amoflow-bench-cluster-"); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(c.dir) }()
	defer c.stop()

	log.Printf("building amoflow")
	bin := filepath.Join(c.dir, "amoflow")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/amoflow").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	// The config: the given file with this run's queue prefix and task queue,
	// and no per-client form limit (one load generator is one client).
	raw, err := os.ReadFile(o.config)
	if err != nil {
		return err
	}
	text := strings.Replace(string(raw), "\n  prefix: amoflow\n", "\n  prefix: amoflow-bench-cluster-"+c.id+"\n", 1)
	text = strings.Replace(text, "\n  task_queue: amoflow\n", "\n  task_queue: bench-cluster-"+c.id+"\n", 1)
	text = strings.Replace(text, "form_rate: {rps: 0.2, burst: 10}", "form_rate: {rps: 0, burst: 0}", 1)
	cfgPath := filepath.Join(c.dir, "amoflow.yaml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		return err
	}

	// The fake and the database.
	base, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	for _, a := range base.Accounts {
		a.ClientID, a.ClientSecret = "bench-"+a.Name, "bench-secret-"+a.Name
	}
	c.fake = amofake.New(amofake.FromConfig(base, amofake.Options{RPS: o.fakeRPS}))
	for _, sub := range c.fake.Subdomains() {
		c.fake.SetFaults(sub, amofake.Faults{Answer: o.answer})
	}
	fakeURL, err := testrig.Serve(ctx, c.fake)
	if err != nil {
		return err
	}
	dbURL, dropDB, err := testrig.ScratchDB(ctx, o.postgres, "amoflow_bench_"+c.id)
	if err != nil {
		return err
	}
	defer dropDB()
	c.hookTok = "bench-hook-" + c.id
	c.env = append(os.Environ(),
		"AMOFLOW_POSTGRES_URL="+dbURL,
		"AMOFLOW_ALLOW_PLAINTEXT_PAYLOADS=true", "AMOFLOW_ALLOW_PLAINTEXT_TOKENS=true",
		"AMOFLOW_SEARCH_ATTRIBUTES=true",
		"AMOFLOW_WEBHOOK_TOKEN="+c.hookTok, "AMOFLOW_JOBS_SECRET=bench-jobs-"+c.id)
	for _, name := range base.AccountNames() {
		a := base.Accounts[name]
		up := strings.ToUpper(name)
		c.env = append(c.env, "AMO_"+up+"_BASE_URL="+fakeURL+"/"+a.Subdomain,
			"AMO_"+up+"_CLIENT_ID="+a.ClientID, "AMO_"+up+"_CLIENT_SECRET="+a.ClientSecret)
	}
	for _, kv := range c.env[len(os.Environ()):] {
		k, v, _ := strings.Cut(kv, "=")
		_ = os.Setenv(k, v)
	}

	log.Printf("starting the Temporal server process")
	temporal, err := c.start(os.Args[0], "temporal", nil, "-role", "temporal")
	if err != nil {
		return err
	}
	hostPort, err := readReady(temporal)
	if err != nil {
		return err
	}
	c.env = append(c.env, "AMOFLOW_TEMPORAL="+hostPort)
	_ = os.Setenv("AMOFLOW_TEMPORAL", hostPort)
	if c.cfg, err = config.Load(cfgPath); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := benchkit.ExchangeCodes(ctx, db, c.cfg); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if c.tc, err = app.DialTemporal(ctx, c.cfg, quiet); err != nil {
		return err
	}
	defer c.tc.Close()
	defer testrig.DeleteTopology(c.cfg.RabbitMQ) // after the processes stopped (defers run last first)

	log.Printf("starting %d × serve, %d × bridge, %d × worker", o.serves, o.bridges, o.workers)
	for i := range o.serves {
		addr, admin := freeAddr(), freeAddr()
		if _, err := c.start(bin, fmt.Sprintf("serve-%d", i+1), []string{"AMOFLOW_HTTP_ADDR=" + addr,
			"AMOFLOW_PUBLIC_URL=http://" + addr, "AMOFLOW_ADMIN_ADDR=" + admin}, "serve", "--config", cfgPath); err != nil {
			return err
		}
		c.apis = append(c.apis, "http://"+addr)
	}
	for i := range o.bridges {
		if _, err := c.start(bin, fmt.Sprintf("bridge-%d", i+1), []string{"AMOFLOW_ADMIN_ADDR=" + freeAddr()}, "bridge", "--config", cfgPath); err != nil {
			return err
		}
	}
	for i := range o.workers {
		if _, err := c.start(bin, fmt.Sprintf("worker-%d", i+1), []string{"AMOFLOW_ADMIN_ADDR=" + freeAddr()}, "worker", "--config", cfgPath); err != nil {
			return err
		}
	}
	if err := c.waitUp(ctx); err != nil {
		return err
	}

	rep := &report{Run: benchkit.StartRun("cluster"),
		Serves: o.serves, Bridges: o.bridges, Workers: o.workers, FakeLimit: 7, Answer: o.answer, Rate: o.rate,
		Guard: amocrm.DefaultBudgetGuard.String()}
	if o.fakeRPS != 0 {
		rep.FakeLimit = o.fakeRPS
	}
	if c.cfg.AmoCRM.BudgetGuard > 0 {
		rep.Guard = c.cfg.AmoCRM.BudgetGuard.String()
	}
	if o.rate > 0 {
		err = c.openLoop(ctx, rep)
	} else {
		err = c.saturate(ctx, rep)
	}
	if err != nil {
		return err
	}
	rep.Finish()
	name := o.name
	if name == "" {
		name = "cluster"
		if o.rate > 0 {
			name = fmt.Sprintf("cluster-rate-%g", o.rate)
		}
	}
	return rep.write(o.out, name)
}

// start runs one process with its output in a log file.
func (c *cluster) start(bin, role string, env []string, args ...string) (*proc, error) {
	p := &proc{role: role, log: filepath.Join(c.dir, role+".log")}
	f, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(slices.Clone(c.env), env...)
	p.cmd.Stderr = f
	if role == "temporal" {
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		p.out = bufio.NewReader(out)
	} else {
		p.cmd.Stdout = f
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// stop ends the roles first, the Temporal server last.
func (c *cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		testrig.Stop(c.procs[i].cmd, 15*time.Second)
	}
}

// readReady waits for the Temporal process's "ready HOST:PORT".
func readReady(p *proc) (string, error) {
	line, err := p.out.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		b, _ := os.ReadFile(p.log)
		return "", fmt.Errorf("temporal process: %q, %v\n%s", line, err, b)
	}
	return addr, nil
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitUp waits until every starter answers /healthz.
func (c *cluster) waitUp(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	for _, api := range c.apis {
		for {
			resp, err := c.http.Get(api + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not up after 3 minutes: %v (logs in %s)", api, err, c.dir)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// accepted posts and returns the job id of the 202.
func (c *cluster) accepted(api, path, body string) (string, error) {
	return benchkit.Accepted(c.http, api+path, body)
}

// job is one form or webhook and its outcome.
type job struct {
	kind string // "form" or "hook"
	id   string
	sent time.Time
	err  error
	// closed is when its workflow ended (Temporal's close time).
	closed time.Time
}

// waitJob waits for the job's workflow to end and records when it did.
func (c *cluster) waitJob(ctx context.Context, j *job) {
	j.closed, j.err = benchkit.Wait(ctx, c.tc, j.id)
}

func (c *cluster) waitAll(ctx context.Context, jobs []*job) {
	wctx, cancel := context.WithTimeout(ctx, c.o.timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { c.waitJob(wctx, j) })
	}
	wg.Wait()
}

// saturate sends every form and webhook at once and waits for all of them.
func (c *cluster) saturate(ctx context.Context, rep *report) error {
	tag := "cluster-" + c.id
	var jobs []*job
	var bodies []string
	for i := range c.o.forms {
		jobs = append(jobs, &job{kind: "form"})
		bodies = append(bodies, forms.Values(10_000+i, tag).Encode())
	}
	for i := range c.o.hooks {
		jobs = append(jobs, &job{kind: "hook"})
		bodies = append(bodies, benchkit.Ret2CorpHook(c.fake, c.cfg, i, c.id))
	}
	for i := range c.o.corpForms {
		f := forms.Values(30_000+i, tag)
		f.Set("amo", "corp")
		jobs = append(jobs, &job{kind: "form"})
		bodies = append(bodies, f.Encode())
	}
	// Interleave forms and webhooks, so both accounts are loaded from the start.
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	pos := func(i int) float64 { // place within its kind, 0…1
		switch {
		case i < c.o.forms:
			return float64(i) / float64(c.o.forms)
		case i < c.o.forms+c.o.hooks:
			return float64(i-c.o.forms) / float64(c.o.hooks)
		}
		return float64(i-c.o.forms-c.o.hooks) / float64(c.o.corpForms)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pos(a), pos(b)) })
	c.fake.ResetCalls()
	log.Printf("saturation: %d forms on retail, %d ret2corp webhooks and %d forms on corp at once", c.o.forms, c.o.hooks, c.o.corpForms)
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for s := range c.o.senders {
		wg.Go(func() {
			for i := range next {
				j, path := jobs[i], "/v1/forms"
				if j.kind == "hook" {
					path = "/v1/amo/webhooks/ret2corp?token=" + c.hookTok
				}
				j.sent = time.Now()
				j.id, j.err = c.accepted(c.apis[(i+s)%len(c.apis)], path, bodies[i])
			}
		})
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	rep.PostSeconds = time.Since(start).Seconds()
	for _, j := range jobs {
		if j.err != nil {
			return j.err
		}
	}
	log.Printf("all accepted in %.1f s; waiting for the workflows", rep.PostSeconds)
	c.waitAll(ctx, jobs)
	rep.TotalSeconds = time.Since(start).Seconds()
	return c.measure(ctx, rep, jobs)
}

// openLoop sends forms at a fixed rate for the duration and reports each
// form's time from its 202 to its workflow's end.
func (c *cluster) openLoop(ctx context.Context, rep *report) error {
	tag := "cluster-" + c.id
	n := int(c.o.rate * c.o.duration.Seconds())
	jobs := make([]*job, n)
	c.fake.ResetCalls()
	log.Printf("open loop: %d forms at %.2f/s", n, c.o.rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		at := start.Add(time.Duration(float64(i) / c.o.rate * float64(time.Second)))
		time.Sleep(time.Until(at))
		j := &job{kind: "form", sent: time.Now()}
		jobs[i] = j
		wg.Go(func() {
			j.id, j.err = c.accepted(c.apis[i%len(c.apis)], "/v1/forms", forms.Values(20_000+i, tag).Encode())
			if j.err == nil {
				c.waitJob(ctx, j)
			}
		})
	}
	wg.Wait()
	rep.PostSeconds = c.o.duration.Seconds()
	rep.TotalSeconds = time.Since(start).Seconds()
	var lat []float64
	for _, j := range jobs {
		if j.err == nil && !j.closed.IsZero() {
			lat = append(lat, j.closed.Sub(j.sent).Seconds()*1000)
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.LatencyP50 = lat[len(lat)/2]
		rep.LatencyP99 = lat[min(len(lat)-1, len(lat)*99/100)]
		rep.LatencyMax = lat[len(lat)-1]
	}
	return c.measure(ctx, rep, jobs)
}

// measure reads the fake's call log per account and a sample of histories.
func (c *cluster) measure(ctx context.Context, rep *report, jobs []*job) error {
	for _, j := range jobs {
		switch {
		case j.err != nil:
			rep.Failed++
			if len(rep.Failures) < 10 {
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s %s: %v", j.kind, j.id, j.err))
			}
		case j.kind == "form":
			rep.Forms++
		default:
			rep.Hooks++
		}
	}
	for _, name := range c.cfg.AccountNames() {
		a := c.cfg.Accounts[name]
		ar := accountReport{Account: name, Budget: a.RPS, Admitted: amocrm.BudgetRate(a.RPS, c.cfg.AmoCRM.BudgetGuard)}
		var api []time.Time
		for _, call := range c.fake.Calls(a.Subdomain) {
			if !strings.Contains(call.Path, " /api/") {
				ar.TokenCalls++
				continue
			}
			api = append(api, call.Time)
			if call.Status == http.StatusTooManyRequests {
				ar.TooMany++
			}
		}
		slices.SortFunc(api, func(a, b time.Time) int { return a.Compare(b) })
		ar.Calls = len(api)
		if n := len(api); n > 1 {
			ar.Seconds = api[n-1].Sub(api[0]).Seconds()
			ar.RPS = float64(n-1) / ar.Seconds
			ar.MaxInWindow = benchkit.MaxInWindow(api, time.Second)
		}
		ar.BudgetUsed = ar.RPS / ar.Budget
		rep.Accounts = append(rep.Accounts, ar)
	}
	rep.History = c.histories(ctx, jobs)
	return nil
}

// histories counts the events and bytes of the first workflows of each kind
// (a webhook's child workflows included).
func (c *cluster) histories(ctx context.Context, jobs []*job) []historyReport {
	var out []historyReport
	for _, kind := range []string{"form", "hook"} {
		h := &historyReport{Kind: kind}
		for _, j := range jobs {
			if j.kind != kind || j.err != nil || h.Workflows >= c.o.historySample {
				continue
			}
			ev, by := benchkit.History(ctx, c.tc, j.id)
			h.Workflows++
			h.Events += ev
			h.Bytes += by
		}
		if h.Workflows > 0 {
			h.EventsPer, h.BytesPer = float64(h.Events)/float64(h.Workflows), float64(h.Bytes)/float64(h.Workflows)
			out = append(out, *h)
		}
	}
	return out
}
