// Command ceiling measures how many site forms per second one amoflow
// process with every role in it — the embedded Temporal server, the workers,
// the bridge and the starter, as `amoflow dev` runs them (package app) —
// completes end to end when amoCRM's limit is out of the way, and where its
// CPU goes.
//
// The driver holds the fake amoCRM (its limit lifted to -fake-rps, the
// accounts' rps in the config to -rps), a scratch Postgres database and the
// load; it starts itself again with -role dev as the measured process, which
// serves a CPU profile (net/http/pprof). The load is an open-loop ramp of
// site forms (new people: 4 amoCRM requests each) in steps of -step at the
// rates of -rates, stopped once the completion rate stops rising (two steps
// in a row below 1.1 × the best so far while a backlog grows) or after
// -max-ramp. Per step it reports forms accepted and completed per second,
// form → lead p50/p99 (from the form's intended send time to its workflow's
// close), the measured process's CPU, and the machine's load average; the
// CPU profile of the best step is split by area (Temporal server
// persistence, the rest of the server, SDK workers, the flows' own code,
// starter, broker client, gRPC, Go runtime).
//
// Before the ramp, -sample forms and ret2corp webhook deliveries run at a
// low rate; their workflow histories (children included) are read back with
// the Temporal client: events and bytes per form and per delivery, by event
// type.
//
// -persistence picks the embedded server's store: sqlite-wal (a file in WAL
// mode, as `amoflow dev` keeps it), sqlite (the same with SQLite's default
// rollback journal), memory (as the tests) or postgres (the server's SQL
// plugin and schema on two scratch databases, created and dropped here).
//
//	go run ./bench/ceiling -out bench/results [-persistence sqlite-wal|sqlite|memory|postgres] [-rates 5,10,20,40] [-step 15s]
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // the measured process's CPU profile
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"amoflow/amofake"
	"amoflow/app"
	"amoflow/bench/internal/benchkit"
	"amoflow/codec"
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
	config, postgres, out, name string
	persistence                 string
	shards                      int
	rps                         float64
	fakeRPS                     int
	rates                       []float64
	step, maxRamp, drain        time.Duration
	sample                      int
	maxOpenForms                int

	// The measured process's flags (-role dev).
	id, amoURL, dbURL, temporalDB, dir string
}

func main() {
	log.SetFlags(log.Ltime)
	role := flag.String("role", "driver", "driver, or dev (the measured process the driver starts)")
	var o options
	rates := flag.String("rates", "5,10,20,30,40,60,80,100,130,160", "open-loop steps, forms per second")
	flag.StringVar(&o.config, "config", "config/example.yaml", "amoflow configuration (accounts)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server on which scratch databases are created and dropped")
	flag.StringVar(&o.out, "out", "bench/results", "directory for NAME.md and NAME.json")
	flag.StringVar(&o.name, "name", "", "result file name (default ceiling-PERSISTENCE)")
	flag.StringVar(&o.persistence, "persistence", "sqlite-wal", "the embedded Temporal server's store: sqlite-wal (a file in WAL mode, as amoflow dev), sqlite (the file with SQLite's default journal), memory (SQLite in memory, as the tests) or postgres")
	flag.IntVar(&o.shards, "shards", 4, "postgres: history shards")
	flag.Float64Var(&o.rps, "rps", 1000, "every account's rps in the config (the budget)")
	flag.IntVar(&o.fakeRPS, "fake-rps", 1000, "fake amoCRM: 429 past this many requests in any second")
	flag.DurationVar(&o.step, "step", 15*time.Second, "length of a ramp step")
	flag.DurationVar(&o.maxRamp, "max-ramp", 150*time.Second, "stop the ramp after this long")
	flag.DurationVar(&o.drain, "drain", 60*time.Second, "after the ramp, wait at most this long for the backlog")
	flag.IntVar(&o.sample, "sample", 10, "forms and webhooks whose histories are measured")
	flag.IntVar(&o.maxOpenForms, "max-open-forms", 0, "the bridge's cap on running form workflows (0: the config's rabbitmq.max_open_forms, default 1000; negative: no cap)")
	flag.StringVar(&o.id, "id", "", "dev role: the run's id (queues, task queue)")
	flag.StringVar(&o.amoURL, "amo-url", "", "dev role: the fake amoCRM")
	flag.StringVar(&o.dbURL, "db", "", "dev role: amoflow's database")
	flag.StringVar(&o.temporalDB, "temporal-db", "", "dev role: the Temporal server's main database (postgres)")
	flag.StringVar(&o.dir, "dir", "", "dev role: where the SQLite file goes")
	flag.Parse()
	for r := range strings.SplitSeq(*rates, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || f <= 0 {
			log.Fatalf("-rates: %q", r)
		}
		o.rates = append(o.rates, f)
	}
	if _, ok := stores[o.persistence]; !ok {
		log.Fatalf("-persistence %q: sqlite, sqlite-wal, memory or postgres", o.persistence)
	}
	var err error
	if *role == "dev" {
		err = runDev(o)
	} else {
		err = run(o)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// stores describes each -persistence.
var stores = map[string]string{
	"sqlite":     "SQLite file, default rollback journal (as `amoflow dev` before WAL)",
	"sqlite-wal": "SQLite file, journal_mode=wal, synchronous=normal (as `amoflow dev`)",
	"memory":     "SQLite in memory (as the tests, bench/flow, bench/priority)",
	"postgres":   "PostgreSQL (postgres12_pgx, the server's schema)",
}

// benchConfig is the config both processes use: this run's queues and task
// queue, the fake amoCRM with every account's budget lifted, no per-client
// form limit (one load generator is one client).
func benchConfig(o options, amoURL string) (*config.Config, error) {
	cfg, err := config.Load(o.config)
	if err != nil {
		return nil, err
	}
	cfg.Inbound.FormRate = &config.Rate{}
	cfg.RabbitMQ.Prefix = "amoflow-bench-ceiling-" + o.id
	cfg.Temporal.TaskQueue = "bench-ceiling-" + o.id
	if o.maxOpenForms != 0 {
		cfg.RabbitMQ.MaxOpenForms = o.maxOpenForms
	}
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "bench-"+a.Name, "bench-secret-"+a.Name
		a.BaseURL = amoURL + "/" + a.Subdomain
		a.RPS = o.rps
	}
	return cfg, nil
}

// runDev is the measured process: every role as `amoflow dev` wires them
// (cmd/amoflow/dev_on.go), payloads encrypted as there, plus a pprof
// listener. It prints "ready FRONTEND API PPROF" and serves until SIGTERM.
func runDev(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := benchConfig(o, o.amoURL)
	if err != nil {
		return err
	}
	cfg.Postgres.URL = o.dbURL
	cfg.Temporal.PayloadKeys = []config.NamedKey{{ID: "bench", Key: base64.StdEncoding.EncodeToString(codec.NewKey("bench").Key)}}
	db, err := store.Open(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	dopts := devserver.Options{UIPort: -1, Namespace: cfg.Temporal.Namespace, SearchAttributes: workflows.SearchAttributeTypes, Logger: quiet}
	switch o.persistence {
	case "postgres":
		dopts.Postgres = &devserver.Postgres{URL: o.temporalDB, HistoryShards: int32(o.shards)}
	case "sqlite-wal":
		dopts.SQLitePragmas = devserver.WAL()
		fallthrough
	case "sqlite":
		dopts.DBFile = filepath.Join(o.dir, "temporal.db")
	}
	ts, err := devserver.Start(ctx, dopts)
	if err != nil {
		return fmt.Errorf("embedded Temporal: %w", err)
	}
	defer ts.Stop()
	cfg.Temporal.HostPort = ts.FrontendHostPort()
	cfg.Temporal.SearchAttributes = true

	tc, err := app.DialTemporal(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	defer tc.Close()
	clients, err := app.AmoClients(cfg, db)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { _ = app.RunWorkers(ctx, app.Workers(cfg, tc, clients, db)) })
	wg.Go(func() { _ = app.Bridge(cfg, tc, "amoflow-bench-ceiling-bridge", quiet).Run(ctx) })
	pub, err := mq.FromConfig(cfg.RabbitMQ, "amoflow-bench-ceiling-starter").NewPublisher(ctx)
	if err != nil {
		return err
	}
	defer pub.Close()
	h := starter.New(cfg, starter.Deps{Publisher: pub, Logger: quiet, Jobs: app.TemporalJobs{Client: tc}, Idempotency: db})
	api, err := listen(ctx, h)
	if err != nil {
		return err
	}
	prof, err := listen(ctx, http.DefaultServeMux)
	if err != nil {
		return err
	}
	fmt.Printf("ready %s %s %s\n", ts.FrontendHostPort(), api, prof)
	<-ctx.Done()
	return nil
}

// listen serves h on a free loopback port until ctx ends, with the starter's
// server timeouts (cmd/amoflow/serve.go).
func listen(ctx context.Context, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

// bench is the driver's run.
type bench struct {
	o       options
	cfg     *config.Config
	fake    *amofake.Server
	retail  string // the retail account's subdomain
	tc      client.Client
	http    *http.Client
	api     string
	prof    string
	dev     *exec.Cmd
	dir     string
	hookTok string
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.id = testrig.RandomHex(4)
	b := &bench{o: o, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	var err error
	if b.dir, err = os.MkdirTemp("", "amoflow-bench-ceiling-"); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(b.dir) }()

	// The fake first: the config names its URL.
	base, err := config.Load(o.config)
	if err != nil {
		return err
	}
	for _, a := range base.Accounts {
		a.ClientID, a.ClientSecret = "bench-"+a.Name, "bench-secret-"+a.Name
	}
	b.fake = amofake.New(amofake.FromConfig(base, amofake.Options{RPS: o.fakeRPS}))
	fakeURL, err := testrig.Serve(ctx, b.fake)
	if err != nil {
		return err
	}
	if b.cfg, err = benchConfig(o, fakeURL); err != nil {
		return err
	}
	retail, _ := b.cfg.Account("retail")
	b.retail = retail.Subdomain

	dbURL, dropDB, err := testrig.ScratchDB(ctx, o.postgres, "amoflow_bench_"+o.id)
	if err != nil {
		return err
	}
	defer dropDB()
	var temporalDB string
	if o.persistence == "postgres" {
		name := "amoflow_bench_temporal_" + o.id
		var drop, dropVis func()
		if temporalDB, drop, err = testrig.ScratchDB(ctx, o.postgres, name); err != nil {
			return err
		}
		defer drop()
		if _, dropVis, err = testrig.ScratchDB(ctx, o.postgres, name+"_visibility"); err != nil {
			return err
		}
		defer dropVis()
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := benchkit.ExchangeCodes(ctx, db, b.cfg); err != nil {
		return err
	}
	b.hookTok = "bench-hook-" + o.id
	_ = os.Setenv("AMOFLOW_WEBHOOK_TOKEN", b.hookTok) // read by both processes' config
	if b.cfg, err = benchConfig(o, fakeURL); err != nil {
		return err
	}
	defer testrig.DeleteTopology(b.cfg.RabbitMQ) // after the measured process stopped (defers run last first)

	log.Printf("starting the measured process (%s)", o.persistence)
	if err := b.startDev(fakeURL, dbURL, temporalDB); err != nil {
		return err
	}
	defer testrig.Stop(b.dev, 20*time.Second)

	rep := &report{Run: benchkit.StartRun("ceiling"),
		Persistence: o.persistence, FakeRPS: o.fakeRPS, RPS: o.rps, StepSeconds: o.step.Seconds(),
		MaxOpenForms: b.cfg.RabbitMQ.MaxOpenForms}
	if o.persistence == "postgres" {
		rep.Shards = o.shards
	}
	size0 := b.storeBytes(ctx, temporalDB)
	if err := b.histories(ctx, rep); err != nil {
		return err
	}
	// The process's own CPU with nothing to do (pollers, timers, the
	// server's background work): the ramp's per-form figures subtract it.
	meter, err := newCPUMeter(ctx, o.postgres, b.dev.Process.Pid, o.id)
	if err != nil {
		return err
	}
	defer meter.close()
	idle := meter.sample(ctx)
	time.Sleep(5 * time.Second)
	rep.Idle = idle.use(meter.sample(ctx))
	rep.IdleCores = rep.Idle.Process
	if err := b.ramp(ctx, rep, meter); err != nil {
		return err
	}
	if size := b.storeBytes(ctx, temporalDB); size > 0 {
		if n, err := b.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: b.cfg.Temporal.Namespace}); err == nil && n.GetCount() > 0 {
			rep.StoreBytes, rep.Executions = size-size0, n.GetCount()
			rep.StoreBytesPer = float64(rep.StoreBytes) / float64(n.GetCount())
		}
	}
	rep.Finish()
	name := o.name
	if name == "" {
		name = "ceiling-" + o.persistence
	}
	return rep.write(o.out, name)
}

// startDev starts the measured process and waits for its ready line.
func (b *bench) startDev(fakeURL, dbURL, temporalDB string) error {
	o := b.o
	logf, err := os.Create(filepath.Join(b.dir, "dev.log"))
	if err != nil {
		return err
	}
	b.dev = exec.Command(os.Args[0], "-role", "dev", "-config", o.config, "-id", o.id, "-amo-url", fakeURL, "-db", dbURL,
		"-persistence", o.persistence, "-temporal-db", temporalDB, "-shards", strconv.Itoa(o.shards), "-dir", b.dir,
		"-rps", strconv.FormatFloat(o.rps, 'f', -1, 64), "-max-open-forms", strconv.Itoa(o.maxOpenForms))
	b.dev.Stderr = logf
	out, err := b.dev.StdoutPipe()
	if err != nil {
		return err
	}
	if err := b.dev.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "ready" {
		log, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("measured process: %q, %v\n%s", line, err, log)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	b.api, b.prof = f[2], f[3]
	b.tc, err = client.Dial(client.Options{HostPort: f[1], Namespace: b.cfg.Temporal.Namespace, Logger: quietSDK{}})
	return err
}

// storeBytes is the size of the Temporal server's store: its two
// PostgreSQL databases, or the SQLite file with its write-ahead log (0 in
// memory).
func (b *bench) storeBytes(ctx context.Context, temporalDB string) int64 {
	if b.o.persistence == "postgres" {
		conn, err := pgx.Connect(ctx, b.o.postgres)
		if err != nil {
			return 0
		}
		defer conn.Close(ctx)
		name := "amoflow_bench_temporal_" + b.o.id
		var size int64
		_ = conn.QueryRow(ctx, "SELECT pg_database_size($1) + pg_database_size($2)", name, name+"_visibility").Scan(&size)
		return size
	}
	var size int64
	for _, f := range []string{"temporal.db", "temporal.db-wal"} {
		if fi, err := os.Stat(filepath.Join(b.dir, f)); err == nil {
			size += fi.Size()
		}
	}
	return size
}

// quietSDK drops the SDK's log.
type quietSDK struct{}

func (quietSDK) Debug(string, ...any) {}
func (quietSDK) Info(string, ...any)  {}
func (quietSDK) Warn(string, ...any)  {}
func (quietSDK) Error(string, ...any) {}

// histories runs -sample forms and ret2corp deliveries at two per second,
// waits for them and reads their histories back.
func (b *bench) histories(ctx context.Context, rep *report) error {
	log.Printf("history sample: %d forms and %d ret2corp webhooks", b.o.sample, b.o.sample)
	type sent struct{ kind, id string }
	var jobs []sent
	for i := range b.o.sample {
		id, err := benchkit.Accepted(b.http, b.api+"/v1/forms", forms.Values(100+i, "ceiling-"+b.o.id).Encode())
		if err != nil {
			return err
		}
		jobs = append(jobs, sent{"form", id})
		id, err = benchkit.Accepted(b.http, b.api+"/v1/amo/webhooks/ret2corp?token="+b.hookTok, benchkit.Ret2CorpHook(b.fake, b.cfg, i, b.o.id))
		if err != nil {
			return err
		}
		jobs = append(jobs, sent{"hook", id})
		time.Sleep(time.Second)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	byKind := map[string]*historyReport{"form": {Kind: "form", ByType: map[string]int{}}, "hook": {Kind: "hook", ByType: map[string]int{}}}
	for _, j := range jobs {
		if _, err := benchkit.Wait(wctx, b.tc, j.id); err != nil {
			return fmt.Errorf("%s %s: %w", j.kind, j.id, err)
		}
		h := byKind[j.kind]
		h.Workflows++
		benchkit.WalkHistory(wctx, b.tc, j.id, func(ev *historyEvent) {
			h.Events++
			h.Bytes += protoSize(ev)
			h.ByType[shortType(ev.GetEventType().String())]++
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
				h.activities = append(h.activities, a.GetActivityType().GetName())
			}
		})
	}
	for _, k := range []string{"form", "hook"} {
		h := byKind[k]
		h.EventsPer, h.BytesPer = float64(h.Events)/float64(h.Workflows), float64(h.Bytes)/float64(h.Workflows)
		h.Activities = activityCounts(h.activities, h.Workflows)
		rep.History = append(rep.History, *h)
	}
	return nil
}

// step is one rate of the ramp.
type step struct {
	Rate        float64 `json:"offered_per_s"`
	Sent        int     `json:"sent"`
	Refused     int     `json:"refused"`
	Completed   int     `json:"completed_in_step"` // workflows of forms that closed within the step
	CompletedPS float64 `json:"completed_per_s"`
	Backlog     int     `json:"backlog_at_end"` // accepted, not completed, at the step's end
	P50         float64 `json:"form_to_lead_p50_ms"`
	P99         float64 `json:"form_to_lead_p99_ms"`
	Unfinished  int     `json:"unfinished"` // sent in this step, not completed by the end of the drain
	CPUCores    float64 `json:"process_cpu_cores"`
	CPU         cpuUse  `json:"cpu_cores"`
	CPUPerForm  float64 `json:"process_cpu_ms_per_completed_form"`
	// CPUPerFormBusy leaves the idle process's CPU out.
	CPUPerFormBusy float64 `json:"process_cpu_ms_per_completed_form_above_idle"`
	Load1          float64 `json:"load1_at_end"`
	start, end     time.Time
	profile        string
}

// form is one form of the ramp.
type form struct {
	at     time.Time // intended send time
	step   int
	id     string
	err    error
	closed time.Time
}

// ramp sends forms at each rate in turn until the completion rate stops
// rising, drains, and reads every form's close time.
func (b *bench) ramp(ctx context.Context, rep *report, meter *cpuMeter) error {
	var all []*form
	var mu sync.Mutex
	var wg sync.WaitGroup
	notesAtStart := len(b.fake.Notes(b.retail, ""))
	accepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, f := range all {
			if f.id != "" {
				n++
			}
		}
		return n
	}
	rampStart := time.Now()
	best, flat := 0.0, 0
	n := 0
	for k, rate := range b.o.rates {
		s := &step{Rate: rate, start: time.Now()}
		s.end = s.start.Add(b.o.step)
		s.profile = filepath.Join(b.dir, fmt.Sprintf("step-%d.pprof", k))
		profDone := make(chan struct{})
		go func() { defer close(profDone); b.profile(s.profile, b.o.step-500*time.Millisecond) }()
		cpu0, notes0 := meter.sample(ctx), len(b.fake.Notes(b.retail, ""))
		log.Printf("step %d: %g forms/s for %s", k+1, rate, b.o.step)
		for i := 0; ; i++ {
			at := s.start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if !at.Before(s.end) {
				break
			}
			time.Sleep(time.Until(at))
			f := &form{at: at, step: k}
			mu.Lock()
			all = append(all, f)
			mu.Unlock()
			s.Sent++
			body := forms.Values(10_000+n, "ceiling-"+b.o.id).Encode()
			n++
			wg.Go(func() {
				id, err := benchkit.Accepted(b.http, b.api+"/v1/forms", body)
				mu.Lock()
				f.id, f.err = id, err
				mu.Unlock()
			})
		}
		time.Sleep(time.Until(s.end))
		secs := time.Since(s.start).Seconds()
		s.CPU = cpu0.use(meter.sample(ctx))
		s.CPUCores = s.CPU.Process
		done := len(b.fake.Notes(b.retail, "")) - notes0
		live := float64(done) / secs
		s.Backlog = accepted() - (len(b.fake.Notes(b.retail, "")) - notesAtStart)
		s.Load1 = testrig.Load1()
		<-profDone
		rep.Steps = append(rep.Steps, s)
		log.Printf("  %.1f forms/s completed (fake's notes), backlog %d, cores: process %.2f, postgres %.2f, rabbitmq %.2f, driver %.2f; load %.1f",
			live, s.Backlog, s.CPUCores, s.CPU.Postgres, s.CPU.RabbitMQ, s.CPU.Driver, s.Load1)
		if live < 1.1*best && s.Backlog > int(rate) {
			flat++
		} else {
			flat = 0
		}
		best = max(best, live)
		if flat >= 2 || time.Since(rampStart) > b.o.maxRamp {
			break
		}
	}
	wg.Wait()
	log.Printf("ramp over; draining (at most %s)", b.o.drain)
	total := accepted()
	for deadline := time.Now().Add(b.o.drain); time.Now().Before(deadline); time.Sleep(time.Second) {
		if len(b.fake.Notes(b.retail, ""))-notesAtStart >= total {
			break
		}
	}
	rep.DrainSeconds = time.Since(rampStart).Seconds() - b.o.step.Seconds()*float64(len(rep.Steps))
	b.closeTimes(ctx, all)

	// Per step: completions within its window (any form), latencies of its own forms.
	lat := make([][]float64, len(rep.Steps))
	for _, f := range all {
		s := rep.Steps[f.step]
		switch {
		case f.err != nil:
			s.Refused++
			rep.Refused++
			if len(rep.Failures) < 10 {
				rep.Failures = append(rep.Failures, f.err.Error())
			}
		case f.closed.IsZero():
			s.Unfinished++
			rep.Unfinished++
		default:
			lat[f.step] = append(lat[f.step], float64(f.closed.Sub(f.at).Milliseconds()))
			for _, t := range rep.Steps {
				if !f.closed.Before(t.start) && f.closed.Before(t.end) {
					t.Completed++
				}
			}
		}
	}
	for k, s := range rep.Steps {
		secs := s.end.Sub(s.start).Seconds()
		s.CompletedPS = float64(s.Completed) / secs
		if s.Completed > 0 {
			s.CPUPerForm = 1000 * s.CPUCores * secs / float64(s.Completed)
			s.CPUPerFormBusy = 1000 * max(0, s.CPUCores-rep.IdleCores) * secs / float64(s.Completed)
		}
		s.P50, s.P99 = percentile(lat[k], 0.50), percentile(lat[k], 0.99)
		if rep.Best == nil || s.CompletedPS > rep.Best.CompletedPS {
			rep.Best = s
		}
	}
	if rep.Best != nil {
		log.Printf("analysing the profile of the best step (%g forms/s offered)", rep.Best.Rate)
		var err error
		if rep.Profile, err = analyse(rep.Best.profile); err != nil {
			log.Printf("profile: %v", err)
		}
		if b.o.out != "" {
			// Kept beside the results for `go tool pprof`, not committed (.gitignore: *.prof).
			if raw, err := os.ReadFile(rep.Best.profile); err == nil {
				_ = os.MkdirAll(b.o.out, 0o755)
				rep.ProfileFile = filepath.Join(b.o.out, "ceiling-"+b.o.persistence+".cpu.prof")
				_ = os.WriteFile(rep.ProfileFile, raw, 0o644)
			}
		}
	}
	return nil
}

// profile saves the measured process's CPU profile over the next d.
func (b *bench) profile(file string, d time.Duration) {
	// Not b.http: its 30 s timeout would cut the profile of a longer step.
	c := &http.Client{Timeout: d + 30*time.Second}
	resp, err := c.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.prof, int(d.Seconds())))
	if err != nil {
		log.Printf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		log.Printf("profile: %v", err)
	}
	if err := f.Close(); err != nil {
		log.Printf("profile: %v", err)
	}
}

// closeTimes reads each accepted form's close time (zero while open).
func (b *bench) closeTimes(ctx context.Context, all []*form) {
	next := make(chan *form)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for f := range next {
				d, err := b.tc.DescribeWorkflowExecution(ctx, f.id, "")
				if err == nil && d.WorkflowExecutionInfo.GetCloseTime() != nil {
					f.closed = d.WorkflowExecutionInfo.GetCloseTime().AsTime()
				}
			}
		})
	}
	for _, f := range all {
		if f.err == nil && f.id != "" {
			next <- f
		}
	}
	close(next)
	wg.Wait()
}

// percentile of unsorted values (nearest rank); 0 for none.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[min(len(v)-1, int(float64(len(v))*p))]
}
