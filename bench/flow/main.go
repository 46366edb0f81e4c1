// Command flow measures amoflow end to end at saturation for one amoCRM
// account (docs/architecture.md#performance-targets): it pushes -forms site forms through the whole
// stack — the HTTP starter, RabbitMQ, the bridge, an embedded Temporal server
// (amoflow/devserver), the worker and the fake amoCRM with its 7 requests per
// second limit, tokens in a fresh Postgres database — and reports the amoCRM
// request rate against the account's budget (rps in the config), the 429s,
// whether every form became exactly one lead, the total time, and the amoCRM
// calls per form.
//
// A share of the forms (-existing) comes from people the CRM already knows:
// their contact, with one open lead, is seeded before the run, and the form
// must be merged into that lead. The others are new people: the form must
// create one lead and one contact.
//
// Before the saturation run, one form of each kind is processed alone, so
// that the fake's call log gives its exact calls.
//
//	go run ./bench/flow [-forms 300] [-existing 0.33] [-rps 0]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	"amoflow/bench/internal/benchkit"
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
	account  string
	forms    int
	existing float64
	rps      float64
	senders  int
	timeout  time.Duration
	out      string
}

func main() {
	log.SetFlags(log.Ltime)
	var o options
	flag.StringVar(&o.config, "config", "config/example.yaml", "amoflow configuration (accounts, RabbitMQ)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server on which a scratch database is created and dropped")
	flag.StringVar(&o.account, "account", "retail", "account the forms go to (retail: no amo=corp)")
	flag.IntVar(&o.forms, "forms", 300, "forms in the saturation run")
	flag.Float64Var(&o.existing, "existing", 1.0/3, "share of the forms from a known contact with an open lead")
	flag.Float64Var(&o.rps, "rps", 0, "override the account's rps budget (0: the config's)")
	flag.IntVar(&o.senders, "senders", 16, "concurrent HTTP senders of the forms")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "give up waiting for the workflows after this long")
	flag.StringVar(&o.out, "out", "bench/results", "directory for flow.md and flow.json")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// stack is one isolated amoflow: its own queues, task queue, database and fake.
type stack struct {
	cfg  *config.Config
	acct *config.Account
	fake *amofake.Server
	tc   client.Client
	api  string // base URL of the starter
	http *http.Client
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	cfg, err := config.Load(o.config)
	if err != nil {
		return err
	}
	acct, ok := cfg.Account(o.account)
	cfg.Inbound.FormRate = &config.Rate{} // one load generator is one client: no per-client limit
	if !ok {
		return fmt.Errorf("no account %q in %s", o.account, o.config)
	}
	if o.rps > 0 {
		acct.RPS = o.rps
	}
	id := testrig.RandomHex(4)
	cfg.RabbitMQ.Prefix = "amoflow-bench-flow-" + id
	cfg.Temporal.TaskQueue = "bench-flow-" + id
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "bench-"+a.Name, "bench-secret-"+a.Name
	}

	log.Printf("starting an embedded Temporal server")
	ts, err := devserver.Start(ctx, devserver.Options{
		UIPort: -1,
		SearchAttributes: map[string]enums.IndexedValueType{
			"AmoAccount": enums.INDEXED_VALUE_TYPE_KEYWORD,
			"AmoLeadID":  enums.INDEXED_VALUE_TYPE_INT,
		},
		Logger: quiet,
	})
	if err != nil {
		return fmt.Errorf("embedded Temporal: %w", err)
	}
	defer ts.Stop()
	cfg.Temporal.HostPort = ts.FrontendHostPort()

	s := &stack{cfg: cfg, acct: acct, http: &http.Client{Timeout: 30 * time.Second}}
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
	defer deleteTopology(cfg) // after the bridge stopped consuming (defers run last first)
	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, stopRoles := context.WithCancel(ctx)
	defer stopRoles()
	wg.Add(2)
	go func() { defer wg.Done(); _ = app.RunWorkers(runCtx, app.Workers(cfg, s.tc, clients, db)) }()
	go func() { defer wg.Done(); _ = app.Bridge(cfg, s.tc, "amoflow-bench-bridge", quiet).Run(runCtx) }()

	pub, err := mq.FromConfig(cfg.RabbitMQ, "amoflow-bench-starter").NewPublisher(ctx)
	if err != nil {
		return err
	}
	defer pub.Close()
	h := starter.New(cfg, starter.Deps{Publisher: pub, Logger: quiet})
	if s.api, err = testrig.Serve(ctx, h); err != nil {
		return err
	}

	rep := &report{Options: o, Account: o.account, Subdomain: acct.Subdomain, Budget: acct.RPS, FakeLimit: 7,
		Forms: o.forms, Command: strings.TrimSpace("go run ./bench/flow " + strings.Join(os.Args[1:], " ")), GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(), Load1: testrig.Load1(), Start: time.Now()}
	tag := "flow-" + id

	// Calls of one form of each kind, alone.
	log.Printf("one new person, alone")
	if rep.CallsNew, err = s.alone(ctx, forms.Values(1, tag), false); err != nil {
		return err
	}
	log.Printf("one existing contact with an open lead, alone")
	s.seedExisting(forms.Phone(2))
	if rep.CallsExisting, err = s.alone(ctx, forms.Values(2, tag), true); err != nil {
		return err
	}
	log.Printf("calls: new person %d %v; existing contact %d %v", len(rep.CallsNew), rep.CallsNew, len(rep.CallsExisting), rep.CallsExisting)

	if err := s.saturate(ctx, o, tag, rep); err != nil {
		return err
	}
	rep.End = time.Now()
	return rep.write(o.out)
}

// alone posts one form, waits for its workflow and returns the amoCRM API
// calls it made.
func (s *stack) alone(ctx context.Context, form url.Values, merged bool) ([]string, error) {
	s.fake.ResetCalls()
	job, err := s.post(form)
	if err != nil {
		return nil, err
	}
	var res workflows.FormResult
	if err := s.result(ctx, job, &res); err != nil {
		return nil, fmt.Errorf("job %s: %w", job, err)
	}
	if res.Merged != merged {
		return nil, fmt.Errorf("job %s: merged = %v, want %v", job, res.Merged, merged)
	}
	var calls []string
	for _, c := range s.fake.Calls(s.acct.Subdomain) {
		if isAPI(c) {
			calls = append(calls, fmt.Sprintf("%s → %d", c.Path, c.Status))
		}
	}
	return calls, nil
}

// result waits for the workflow of a job and decodes its result. The bridge
// may not have started the workflow yet: until it has, Temporal does not know it.
func (s *stack) result(ctx context.Context, id string, res *workflows.FormResult) error {
	for {
		err := s.tc.GetWorkflow(ctx, id, "").Get(ctx, res)
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			return err
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// seedExisting adds a contact with the phone, as a manager would have typed
// it, linked to one open lead in the intake stage; it returns the lead's id.
func (s *stack) seedExisting(phone string) int64 {
	sub := s.acct.Subdomain
	lead := s.fake.AddLead(sub, amofake.Lead{Name: "open", PipelineID: s.acct.Intake.PipelineID, StatusID: s.acct.Intake.StatusID,
		UpdatedAt: time.Now().Add(-time.Hour).Unix()})
	s.fake.AddContact(sub, amofake.Contact{Name: "Known", CustomFields: []amofake.FieldValue{amofake.Phone("+7 " + strings.TrimPrefix(phone, "8 "))},
		LeadIDs: []int64{lead}})
	return lead
}

// post sends one form and returns its job id.
func (s *stack) post(form url.Values) (string, error) {
	if s.acct.Name == "corp" {
		form.Set("amo", "corp")
	}
	return benchkit.Accepted(s.http, s.api+"/v1/forms", form.Encode())
}

// job is one form of the saturation run.
type job struct {
	n        int
	form     url.Values
	existing bool
	seedLead int64 // the open lead the form must merge into (existing)
	id       string
	res      workflows.FormResult
	err      error
}

// saturate posts every form at once and waits for all workflows.
func (s *stack) saturate(ctx context.Context, o options, tag string, rep *report) error {
	sub := s.acct.Subdomain
	jobs := make([]*job, o.forms)
	every := 0
	if o.existing > 0 {
		every = max(1, int(1/o.existing+0.5))
	}
	for i := range jobs {
		j := &job{n: 1000 + i, existing: every > 0 && i%every == 0}
		j.form = forms.Values(j.n, tag)
		if j.existing {
			j.seedLead = s.seedExisting(forms.Phone(j.n))
			rep.Existing++
		}
		jobs[i] = j
	}
	leadsBefore := map[int64]bool{}
	for _, l := range s.fake.Leads(sub) {
		leadsBefore[l.ID] = true
	}
	contactsBefore := len(s.fake.Contacts(sub))
	notesBefore := len(s.fake.Notes(sub, ""))
	s.fake.ResetCalls()

	log.Printf("saturation: posting %d forms (%d from known contacts) with %d senders", len(jobs), rep.Existing, o.senders)
	start := time.Now()
	next := make(chan *job)
	var wg sync.WaitGroup
	for range o.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.id, j.err = s.post(j.form)
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	rep.PostSeconds = time.Since(start).Seconds()
	for _, j := range jobs {
		if j.err != nil {
			return fmt.Errorf("form %d not accepted: %w", j.n, j.err)
		}
	}
	log.Printf("all %d forms accepted in %.1f s; waiting for the workflows", len(jobs), rep.PostSeconds)

	wctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var done sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	for _, j := range jobs {
		done.Add(1)
		go func() {
			defer done.Done()
			j.err = s.result(wctx, j.id, &j.res)
			mu.Lock()
			finished++
			if finished%50 == 0 {
				log.Printf("%d/%d workflows finished", finished, len(jobs))
			}
			mu.Unlock()
		}()
	}
	done.Wait()
	rep.TotalSeconds = time.Since(start).Seconds()

	// The amoCRM request rate, from the fake's call log.
	var api []time.Time
	for _, c := range s.fake.Calls(sub) {
		if c.Status == http.StatusTooManyRequests {
			rep.TooMany++
		}
		if isAPI(c) {
			api = append(api, c.Time)
			rep.Calls++
		} else {
			rep.TokenCalls++
		}
	}
	slices.SortFunc(api, func(a, b time.Time) int { return a.Compare(b) })
	if n := len(api); n > 1 {
		rep.CallSeconds = api[n-1].Sub(api[0]).Seconds()
		rep.RPS = float64(n-1) / rep.CallSeconds
		rep.MaxInWindow = benchkit.MaxInWindow(api, time.Second)
		rep.PerSecond = perSecond(api)
		rep.MinPerSecond, rep.MaxPerSecond = slices.Min(rep.PerSecond), slices.Max(rep.PerSecond)
	}
	rep.BudgetUsed = rep.RPS / rep.Budget

	// Exactly one lead per form.
	notes := map[string][]amofake.Note{}
	for _, n := range s.fake.Notes(sub, "") {
		text, _ := n.Params["text"].(string)
		notes[text] = append(notes[text], n)
	}
	newLeads := map[int64]int{}
	for _, j := range jobs {
		switch {
		case j.err != nil:
			rep.fail("form %d (%s): %v", j.n, j.id, j.err)
			continue
		case j.existing && (!j.res.Merged || j.res.LeadID != j.seedLead):
			rep.fail("form %d of a known contact: result %+v, want a merge into lead %d", j.n, j.res, j.seedLead)
		case !j.existing && (j.res.Merged || leadsBefore[j.res.LeadID]):
			rep.fail("form %d of a new person: result %+v, want a new lead", j.n, j.res)
		}
		if !j.existing {
			newLeads[j.res.LeadID]++
		}
		if ns := notes[j.form.Get("comment")]; len(ns) != 1 || ns[0].EntityID != j.res.LeadID {
			rep.fail("form %d: %d notes with its comment, want 1 on lead %d", j.n, len(ns), j.res.LeadID)
		}
		rep.Completed++
	}
	for id, n := range newLeads {
		if n != 1 {
			rep.fail("lead %d was the result of %d forms", id, n)
		}
	}
	rep.LeadsCreated = len(s.fake.Leads(sub)) - len(leadsBefore)
	rep.ContactsCreated = len(s.fake.Contacts(sub)) - contactsBefore
	rep.NotesCreated = len(s.fake.Notes(sub, "")) - notesBefore
	if want := len(jobs) - rep.Existing; rep.LeadsCreated != want || rep.ContactsCreated != want {
		rep.fail("%d leads and %d contacts created, want %d of each", rep.LeadsCreated, rep.ContactsCreated, want)
	}
	if rep.NotesCreated != len(jobs) {
		rep.fail("%d notes created, want %d", rep.NotesCreated, len(jobs))
	}
	topo := mq.FromConfig(s.cfg.RabbitMQ, "").Topology
	d := testrig.QueueDepths(s.cfg.RabbitMQ, topo.Queue(mq.KindForm), topo.DeadQueue())
	rep.QueueDepth, rep.DeadDepth = d[0], d[1]
	if rep.QueueDepth != 0 || rep.DeadDepth != 0 {
		rep.fail("%d messages left in the forms queue, %d dead-lettered", rep.QueueDepth, rep.DeadDepth)
	}
	return nil
}

// isAPI tells the requests that count against the budget from token requests.
func isAPI(c amofake.Call) bool { return strings.Contains(c.Path, " /api/") }

// perSecond counts the calls in each whole second from the first call (the
// last, partial second left out).
func perSecond(ts []time.Time) []int {
	last := int(ts[len(ts)-1].Sub(ts[0]) / time.Second)
	counts := make([]int, last+1)
	for _, t := range ts {
		counts[int(t.Sub(ts[0])/time.Second)]++
	}
	if last > 0 {
		counts = counts[:last]
	}
	return counts
}

// deleteTopology removes the run's queues and exchange.
func deleteTopology(cfg *config.Config) {
	if testrig.DeleteTopology(cfg.RabbitMQ) == nil {
		log.Printf("deleted the queues of %s", cfg.RabbitMQ.Prefix)
	}
}

// report is what the run measured.
type report struct {
	Options   options   `json:"-"`
	Command   string    `json:"command"`
	GoVersion string    `json:"go_version"`
	NumCPU    int       `json:"num_cpu"`
	Load1     float64   `json:"load1_at_start"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`

	Account   string  `json:"account"`
	Subdomain string  `json:"subdomain"`
	Budget    float64 `json:"budget_rps"`     // the account's rps in the config
	FakeLimit int     `json:"fake_limit_rps"` // the fake's 429 threshold

	CallsNew      []string `json:"calls_new_person"`
	CallsExisting []string `json:"calls_existing_contact"`

	Forms           int      `json:"forms"`
	Existing        int      `json:"existing_contact_forms"`
	PostSeconds     float64  `json:"post_seconds"`
	TotalSeconds    float64  `json:"total_seconds"` // first POST to last workflow finished
	Calls           int      `json:"api_calls"`
	TokenCalls      int      `json:"token_calls"`
	TooMany         int      `json:"http_429"`
	CallSeconds     float64  `json:"call_seconds"` // first to last API call
	RPS             float64  `json:"rps"`
	BudgetUsed      float64  `json:"budget_used"`
	MaxInWindow     int      `json:"max_calls_in_any_second"`
	MinPerSecond    int      `json:"min_calls_per_whole_second"`
	MaxPerSecond    int      `json:"max_calls_per_whole_second"`
	PerSecond       []int    `json:"calls_per_second"`
	Completed       int      `json:"completed"`
	LeadsCreated    int      `json:"leads_created"`
	ContactsCreated int      `json:"contacts_created"`
	NotesCreated    int      `json:"notes_created"`
	QueueDepth      int      `json:"forms_queue_depth_after"`
	DeadDepth       int      `json:"dead_letter_depth_after"`
	Failures        []string `json:"failures"`
}

func (r *report) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(r.Failures) < 20 {
		r.Failures = append(r.Failures, msg)
	}
	log.Print("FAIL ", msg)
}

func (r *report) write(dir string) error {
	var b strings.Builder
	w := &b
	fmt.Fprintf(w, "## Flow: end to end at saturation, one account\n\n")
	fmt.Fprintf(w, "Run %s – %s, `%s`, %s, %d CPUs, load average (1 min) at start %.2f.\n\n",
		r.Start.Format("2006-01-02 15:04"), r.End.Format("15:04"), r.Command, r.GoVersion, r.NumCPU, r.Load1)
	fmt.Fprintf(w, "Account %s (%s), budget %.0f req/s (config rps); the fake answers 429 past %d requests in any second.\n\n", r.Account, r.Subdomain, r.Budget, r.FakeLimit)
	fmt.Fprintf(w, "| measure | value | target |\n|---|---:|---|\n")
	fmt.Fprintf(w, "| forms (new people + known contacts with an open lead) | %d (%d + %d) | |\n", r.Forms, r.Forms-r.Existing, r.Existing)
	fmt.Fprintf(w, "| all accepted (202) in | %.1f s | |\n", r.PostSeconds)
	fmt.Fprintf(w, "| total time, first POST to last workflow finished | %.1f s | |\n", r.TotalSeconds)
	fmt.Fprintf(w, "| amoCRM API requests (token requests apart) | %d (+%d) | |\n", r.Calls, r.TokenCalls)
	fmt.Fprintf(w, "| API requests per form | %.2f | ≤ 4 |\n", float64(r.Calls)/float64(r.Forms))
	fmt.Fprintf(w, "| request rate, first to last request (%.1f s) | %.2f req/s | |\n", r.CallSeconds, r.RPS)
	fmt.Fprintf(w, "| share of the budget used | %.1f %% | ≥ 95 %%: %s |\n", 100*r.BudgetUsed, verdict(r.BudgetUsed >= 0.95))
	fmt.Fprintf(w, "| requests per whole second, min – max | %d – %d | |\n", r.MinPerSecond, r.MaxPerSecond)
	fmt.Fprintf(w, "| most requests in any 1 s window | %d | ≤ %d |\n", r.MaxInWindow, r.FakeLimit)
	fmt.Fprintf(w, "| 429 answers | %d | 0: %s |\n", r.TooMany, verdict(r.TooMany == 0))
	fmt.Fprintf(w, "| workflows completed | %d / %d | all |\n", r.Completed, r.Forms)
	fmt.Fprintf(w, "| leads / contacts / notes created | %d / %d / %d | %d / %d / %d |\n", r.LeadsCreated, r.ContactsCreated, r.NotesCreated, r.Forms-r.Existing, r.Forms-r.Existing, r.Forms)
	fmt.Fprintf(w, "| every form exactly one lead (new or merged), one note | %s | nothing lost or duplicated: %s |\n", yesNo(len(r.Failures) == 0), verdict(len(r.Failures) == 0))
	fmt.Fprintf(w, "| messages left in the forms queue / dead-letter queue | %d / %d | 0 / 0 |\n", r.QueueDepth, r.DeadDepth)
	fmt.Fprintf(w, "\namoCRM calls of one form processed alone (fake's call log):\n\n")
	fmt.Fprintf(w, "- new person: %d (target ≤ 4: %s): %s\n", len(r.CallsNew), verdict(len(r.CallsNew) <= 4), strings.Join(r.CallsNew, ", "))
	fmt.Fprintf(w, "- existing contact with an open lead: %d (target ≤ 4: %s): %s\n", len(r.CallsExisting), verdict(len(r.CallsExisting) <= 4), strings.Join(r.CallsExisting, ", "))
	for _, f := range r.Failures {
		fmt.Fprintf(w, "\nFAILURE: %s\n", f)
	}
	fmt.Print("\n", b.String())
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "flow.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "flow.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if len(r.Failures) > 0 {
		return fmt.Errorf("%d forms were not processed exactly once", len(r.Failures))
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}
