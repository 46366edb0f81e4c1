// Package app wires amoflow's roles from configuration: the worker, the
// bridge and the HTTP starter. cmd/amoflow runs them one per process or all
// together (amoflow dev); the end-to-end tests run them in-process the same way.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/bridge"
	"amoflow/config"
	"amoflow/egrul"
	"amoflow/eventsapi"
	"amoflow/lk"
	"amoflow/mq"
	"amoflow/onec"
	"amoflow/store"
	"amoflow/ucheba"
	"amoflow/webinar"
	"amoflow/workflows"
)

// TokenOptions encrypts tokens at rest when the config has a key, and
// applies the amocrm refresh and pause settings.
func TokenOptions(cfg *config.Config) ([]amocrm.TokenOption, error) {
	opts := []amocrm.TokenOption{
		amocrm.WithRefreshFraction(cfg.AmoCRM.RefreshFraction),
		amocrm.WithRefreshRetry(cfg.AmoCRM.RefreshRetry),
		amocrm.WithPauseRetry(cfg.AmoCRM.PauseRetry),
	}
	key, err := TokenKey(cfg)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return opts, nil
	}
	return append(opts, amocrm.WithTokenKey(key)), nil
}

// Onboarding authorizes the configured accounts through amoCRM's consent page.
func Onboarding(cfg *config.Config, db *store.DB) (*amocrm.Onboarding, error) {
	topts, err := TokenOptions(cfg)
	if err != nil {
		return nil, err
	}
	o := &amocrm.Onboarding{DB: db, Accounts: map[string]amocrm.Account{}, Options: topts}
	for _, name := range cfg.AccountNames() {
		o.Accounts[name] = amocrm.AccountFromConfig(cfg.Accounts[name])
	}
	return o, nil
}

// AmoClients builds an amoCRM client per configured account, each with its
// Postgres-backed token source and the account's cluster-wide 403 breaker.
func AmoClients(cfg *config.Config, db *store.DB) (map[string]*amocrm.Client, error) {
	topts, err := TokenOptions(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkShadowFlows(cfg); err != nil {
		return nil, err
	}
	rec, err := ShadowRecorder(cfg, db)
	if err != nil {
		return nil, err
	}
	clients := map[string]*amocrm.Client{}
	for _, name := range cfg.AccountNames() {
		acct := amocrm.AccountFromConfig(cfg.Accounts[name])
		opts := []amocrm.Option{
			amocrm.WithBreaker(amocrm.NewBreaker(db, name, cfg.AmoCRM.BlockCooldown)),
			amocrm.WithBudget(amocrm.NewBudget(db, name, acct.RPS, cfg.AmoCRM.BudgetGuard)),
		}
		if o := shadowOption(cfg.Accounts[name], rec); o != nil {
			opts = append(opts, o) // shadow mode: writes planned, not sent (app/shadow.go)
		}
		clients[name] = amocrm.New(acct, amocrm.NewTokenSource(db, acct, topts...), opts...)
	}
	return clients, nil
}

// Workers are the Temporal workers of one process: one for workflows and one
// per amoCRM account for its activities. The account workers set the task
// queue's activity rate to the account's budget; Temporal enforces it across
// every worker of that queue. Every HTTP request (pages, retries) then takes a
// slot of the account's budget shared in Postgres (amocrm.Budget), which is
// what holds the limit exactly for the whole cluster.
// db holds the flows' own state (1C echo marks and links).
func Workers(cfg *config.Config, tc client.Client, clients map[string]*amocrm.Client, db *store.DB) []worker.Worker {
	flows := &workflows.Flows{Config: cfg}
	acts := Activities(cfg, tc, clients, db)
	w := worker.New(tc, cfg.Temporal.TaskQueue, worker.Options{
		Interceptors: []interceptor.WorkerInterceptor{flows.Interceptor()}, // lead links in the UI
	})
	flows.RegisterWorkflows(w)
	acts.RegisterMain(w)
	all := []worker.Worker{w}

	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		aw := worker.New(tc, a.TaskQueue(cfg.Temporal.TaskQueue), worker.Options{
			// The rate the shared budget admits (rps less its guard): tasks
			// are handed out, in priority order, as fast as their requests can
			// go, instead of piling up in workers waiting for a slot.
			TaskQueueActivitiesPerSecond: amocrm.BudgetRate(a.RPS, cfg.AmoCRM.BudgetGuard),
			// Activities wait on amoCRM, not on CPU; the queue rate is the real bound.
			MaxConcurrentActivityExecutionSize: 50,
		})
		acts.RegisterAmo(aw)
		all = append(all, aw)
	}
	return all
}

// Activities builds the activity structs of a worker process from the
// configuration. Without onec.base_url the 1C activities fail with a
// readable error; the flows that only touch amoCRM still run. db holds the
// flows' own state (round robin, 1C echo marks and links, leases).
func Activities(cfg *config.Config, tc client.Client, clients map[string]*amocrm.Client, db *store.DB) workflows.Activities {
	oneC := &activities.OneC{DB: db, EchoTTL: cfg.OneC.EchoTTL}
	if cfg.OneC.BaseURL != "" {
		oneC.Client = onec.New(cfg.OneC)
		if rec, err := ShadowRecorder(cfg, db); err == nil {
			shadowOneC(cfg, oneC.Client, rec) // 1C writes planned, not sent (app/shadow.go)
		} else if cfg.OneC.Mode == config.ModeShadow || len(cfg.ShadowFlows()) > 0 {
			// Fail closed (AmoClients reported the bad key): no 1C client, no 1C write.
			oneC.Client = nil
		}
	}
	// The token key ring also seals the 1C notices kept in onec_notices
	// (nil without a key: kept plain, as shadow writes are).
	ring, _ := ShadowRing(cfg)
	return workflows.Activities{
		Amo:     &activities.Amo{Clients: clients},
		OneC:    oneC,
		PG:      &activities.Store{DB: db, Ring: ring},
		Events:  &activities.Events{API: eventsapi.New(cfg.EventsAPI)},
		Leases:  &activities.Leases{DB: db, Temporal: tc},
		LK:      &activities.LK{API: lk.New(cfg.LK.BaseURL, cfg.LK.Timeout)},
		Webinar: &activities.Webinar{API: webinar.New(cfg.Webinar.BaseURL, cfg.Webinar.Token, cfg.Webinar.Timeout)},
		// The widgets' amoCRM reads and the company register (nil client:
		// no egrul.base_url, the lookups fail with a readable error).
		Widgets: &activities.Widgets{Clients: clients},
		EGRUL:   &activities.EGRUL{Client: registerClient(cfg)},
		Ucheba:  &activities.Ucheba{API: ucheba.New(cfg.Ucheba.BaseURL, cfg.Ucheba.Token, cfg.Ucheba.Institution, cfg.Ucheba.Timeout), DB: db},
	}
}

// registerClient is the company register's client, nil when none is configured.
func registerClient(cfg *config.Config) *egrul.Client {
	if cfg.EGRUL.BaseURL == "" {
		return nil
	}
	return egrul.New(cfg.EGRUL)
}

// RunWorkers starts the workers and stops them when ctx ends.
func RunWorkers(ctx context.Context, ws []worker.Worker) error {
	for i, w := range ws {
		if err := w.Start(); err != nil {
			for _, started := range ws[:i] {
				started.Stop()
			}
			return fmt.Errorf("worker: %w", err)
		}
	}
	<-ctx.Done()
	for _, w := range ws {
		w.Stop()
	}
	return nil
}

// Bridge is the RabbitMQ → Temporal bridge of the configuration.
func Bridge(cfg *config.Config, tc client.Client, name string, log *slog.Logger) *bridge.Bridge {
	b := mq.FromConfig(cfg.RabbitMQ, name)
	b.Logger = log
	return &bridge.Bridge{
		Temporal:  tc,
		TaskQueue: cfg.Temporal.TaskQueue,
		Broker:    b,
		Prefetch:  cfg.RabbitMQ.Prefetch,
		Logger:    log,
		// A backlog waits in RabbitMQ, not as open workflows (bridge/cap.go).
		MaxOpenForms: cfg.RabbitMQ.MaxOpenForms,
		HoldLimit:    cfg.RabbitMQ.HoldLimit,

		SearchAttributes: cfg.Temporal.SearchAttributes,
		Metadata:         &workflows.Metadata{Config: cfg},
	}
}

// DialTemporal connects to the configured Temporal frontend.
func DialTemporal(ctx context.Context, cfg *config.Config, log *slog.Logger) (client.Client, error) {
	dc, fc, err := Converters(cfg)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.Temporal.HostPort,
		Namespace: cfg.Temporal.Namespace,
		Logger:    newTemporalLogger(log),
		// The SDK's own series (schedule-to-start, failures) on the admin listener.
		MetricsHandler: TemporalMetrics(),
		// Payloads encrypted (temporal.payload_keys); nil when not configured.
		DataConverter:    dc,
		FailureConverter: fc,
	})
	if err != nil {
		return nil, fmt.Errorf("temporal at %s: %w", cfg.Temporal.HostPort, err)
	}
	return c, nil
}
