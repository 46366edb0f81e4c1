package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/devserver"
	"amoflow/eventsapi"
	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/onec/onecfake"
	"amoflow/starter"
	"amoflow/store"
	"amoflow/workflows"
)

const (
	retail, corp   = "mzpoeducationsale", "mzpoeducation" // subdomains of example.yaml's accounts
	hookToken      = "soak-hook-token"
	oneCToken      = "soak-1c-token"
	oneCUser       = "soak-1c"
	oneCPass       = "soak-1c-password"
	eventsSecret   = "soak-events-secret"
	oneCRetryFor   = 20 * time.Minute // longer than 1C is ever down in the schedule
	oneCTimeout    = 5 * time.Second
	operatorCode   = "soak-operator-code"
	temporalDBName = "temporal.db"
)

// stack is one isolated amoflow with its fakes and the proxies that cut it
// off its services.
type stack struct {
	o       options
	cfg     *config.Config
	retail  *config.Account
	corp    *config.Account
	log     *slog.Logger
	fake    *amofake.Server
	fakeURL string
	onec    *onecfake.Server
	db      *store.DB
	tc      client.Client
	pub     *mq.Publisher
	api     string
	http    *http.Client

	rabbit, pg, oneCProxy *testrig.Proxy

	tsOpts devserver.Options

	mu          sync.Mutex
	ts          *devserver.Server
	stopWorkers context.CancelFunc
	workersDone chan struct{}
	stopBridge  context.CancelFunc
	bridgeDone  chan struct{}

	cleanups []func()
}

func (s *stack) cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

// close undoes the set-up, last first.
func (s *stack) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}

func newStack(ctx context.Context, o options) (*stack, error) {
	s := &stack{o: o, http: &http.Client{Timeout: 30 * time.Second}}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(o.out, "soak.log"))
	if err != nil {
		return nil, err
	}
	s.cleanup(func() { _ = logFile.Close() })
	// Errors only: under injected faults every component warns on purpose.
	s.log = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelError}))

	cfg, err := config.Load(o.config)
	if err != nil {
		return nil, err
	}
	s.cfg = cfg
	for _, a := range cfg.Accounts {
		switch a.Subdomain {
		case retail:
			s.retail = a
		case corp:
			s.corp = a
		}
		a.ClientID, a.ClientSecret = "soak-"+a.Name, "soak-secret-"+a.Name
	}
	if s.retail == nil || s.corp == nil {
		return nil, fmt.Errorf("%s lacks the accounts %s and %s", o.config, retail, corp)
	}
	id := testrig.RandomHex(4)
	cfg.RabbitMQ.Prefix = "amoflow-soak-" + id
	cfg.Temporal.TaskQueue = "soak-" + id
	cfg.Temporal.SearchAttributes = true
	cfg.Inbound.WebhookToken = hookToken
	cfg.Inbound.OneCToken = oneCToken
	// The stream stands for many people on many sites; here it all comes
	// from one address, which the per-address form limit would throttle.
	cfg.Inbound.FormRate = &config.Rate{}

	// RabbitMQ and Postgres behind proxies the schedule cuts.
	if s.rabbit, err = testrig.NewProxy(hostPort(cfg.RabbitMQ.URL)); err != nil {
		return nil, err
	}
	s.cleanup(s.rabbit.Close)
	directRabbit := cfg.RabbitMQ
	s.cleanup(func() {
		if testrig.DeleteTopology(directRabbit) == nil {
			log.Printf("deleted the queues of %s", directRabbit.Prefix)
		}
	})
	cfg.RabbitMQ.URL = strings.Replace(cfg.RabbitMQ.URL, hostPort(cfg.RabbitMQ.URL), s.rabbit.Addr(), 1)

	dbURL, dropDB, err := testrig.ScratchDB(ctx, o.postgres, "amoflow_soak_"+id)
	if err != nil {
		return nil, err
	}
	s.cleanup(dropDB)
	if s.pg, err = testrig.NewProxy(hostPort(dbURL)); err != nil {
		return nil, err
	}
	s.cleanup(s.pg.Close)
	cfg.Postgres.URL = strings.Replace(dbURL, hostPort(dbURL), s.pg.Addr(), 1)

	// Temporal on a file, so that it can be stopped and started again.
	dir, err := os.MkdirTemp("", "amoflow-soak-")
	if err != nil {
		return nil, err
	}
	s.cleanup(func() { _ = os.RemoveAll(dir) })
	s.tsOpts = devserver.Options{DBFile: filepath.Join(dir, temporalDBName), UIPort: -1,
		SearchAttributes: workflows.SearchAttributeTypes, Logger: s.log}
	log.Printf("starting an embedded Temporal server on %s", s.tsOpts.DBFile)
	if s.ts, err = devserver.Start(ctx, s.tsOpts); err != nil {
		return nil, fmt.Errorf("embedded Temporal: %w", err)
	}
	s.cleanup(func() { s.mu.Lock(); s.ts.Stop(); s.mu.Unlock() })
	s.tsOpts.FrontendPort = portOf(s.ts.FrontendHostPort())
	cfg.Temporal.HostPort = s.ts.FrontendHostPort()

	// The fakes: amoCRM, 1C behind a proxy (1C down), the events API.
	s.fake = amofake.New(amofake.FromConfig(cfg, amofake.Options{}))
	if s.fakeURL, err = testrig.Serve(ctx, s.fake); err != nil {
		return nil, err
	}
	for _, a := range cfg.Accounts {
		a.BaseURL = s.fakeURL + "/" + a.Subdomain
	}
	s.onec = onecfake.New(onecfake.Options{Username: oneCUser, Password: oneCPass})
	oneCURL, err := testrig.Serve(ctx, s.onec)
	if err != nil {
		return nil, err
	}
	if s.oneCProxy, err = testrig.NewProxy(strings.TrimPrefix(oneCURL, "http://")); err != nil {
		return nil, err
	}
	s.cleanup(s.oneCProxy.Close)
	cfg.OneC.BaseURL, cfg.OneC.Username, cfg.OneC.Password = "http://"+s.oneCProxy.Addr()+"/base/", oneCUser, oneCPass
	cfg.OneC.Timeout, cfg.OneC.RetryFor = oneCTimeout, oneCRetryFor
	eventsURL, err := testrig.Serve(ctx, eventsapi.NewFake(eventsSecret))
	if err != nil {
		return nil, err
	}
	cfg.EventsAPI.URL, cfg.EventsAPI.Secret = eventsURL, eventsSecret

	if s.db, err = store.Open(ctx, cfg.Postgres.URL); err != nil {
		return nil, err
	}
	s.cleanup(s.db.Close)
	for _, name := range cfg.AccountNames() {
		if err := amocrm.ExchangeCode(ctx, s.db, amocrm.AccountFromConfig(cfg.Accounts[name]), "soak-code"); err != nil {
			return nil, err
		}
	}
	if s.tc, err = app.DialTemporal(ctx, cfg, s.log); err != nil {
		return nil, err
	}
	s.cleanup(s.tc.Close)

	s.startWorkers(ctx)
	s.cleanup(s.killWorkers)
	if s.pub, err = mq.FromConfig(cfg.RabbitMQ, "amoflow-soak-starter").NewPublisher(ctx); err != nil {
		return nil, err
	}
	s.cleanup(func() { _ = s.pub.Close() })
	h := starter.New(cfg, starter.Deps{Publisher: s.pub, Jobs: app.TemporalJobs{Client: s.tc}, Logger: s.log})
	if s.api, err = testrig.Serve(ctx, h); err != nil {
		return nil, err
	}
	cfg.HTTP.PublicURL = s.api
	s.startBridge(ctx)
	s.cleanup(s.killBridge)
	return s, nil
}

// startWorkers starts the Temporal workers, as a fresh `amoflow worker` would.
func (s *stack) startWorkers(ctx context.Context) {
	clients, err := app.AmoClients(s.cfg, s.db)
	if err != nil {
		log.Printf("workers: %v", err) // only a configuration error, checked at start
		return
	}
	workers := app.Workers(s.cfg, s.tc, clients, s.db)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = app.RunWorkers(wctx, workers); close(done) }()
	s.mu.Lock()
	s.stopWorkers, s.workersDone = cancel, done
	s.mu.Unlock()
}

// killWorkers stops the workers; Temporal hands their tasks to the next ones.
func (s *stack) killWorkers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopWorkers != nil {
		s.stopWorkers()
		<-s.workersDone
		s.stopWorkers = nil
	}
}

// startBridge starts a bridge, as a fresh `amoflow bridge` would.
func (s *stack) startBridge(ctx context.Context) {
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	b := app.Bridge(s.cfg, s.tc, "amoflow-soak-bridge", s.log)
	go func() { _ = b.Run(bctx); close(done) }()
	s.mu.Lock()
	s.stopBridge, s.bridgeDone = cancel, done
	s.mu.Unlock()
}

// killBridge stops the bridge: its unacked messages return to the queues.
func (s *stack) killBridge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopBridge != nil {
		s.stopBridge()
		<-s.bridgeDone
		s.stopBridge = nil
	}
}

func (s *stack) stopTemporal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ts.Stop()
}

// startTemporal starts Temporal again on its file and port.
func (s *stack) startTemporal(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for range 10 { // the port may take a moment to be free again
		var ts *devserver.Server
		if ts, err = devserver.Start(ctx, s.tsOpts); err == nil {
			s.ts = ts
			return nil
		}
		time.Sleep(time.Second)
	}
	return err
}

// reauthorize is the operator's one command (amoflow auth exchange): a new
// authorization code exchanged for a new pair.
func (s *stack) reauthorize(ctx context.Context, acct *config.Account) error {
	return amocrm.ExchangeCode(ctx, s.db, amocrm.AccountFromConfig(acct), operatorCode)
}

// hostPort is the host:port of a URL like scheme://user:pass@host:port/path.
func hostPort(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	if i := strings.LastIndex(rest[:strings.IndexAny(rest+"/", "/?")], "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func portOf(hostPort string) int {
	var port int
	_, _ = fmt.Sscanf(hostPort[strings.LastIndex(hostPort, ":")+1:], "%d", &port)
	return port
}
