// Package starter is amoflow's HTTP front door: it validates and
// authenticates what websites, amoCRM and 1C send, stores each request
// durably in RabbitMQ and answers at once; the bridge and the workflows do the
// work later. A request is never answered 2xx before the broker confirmed it.
package starter

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"amoflow/config"
	"amoflow/mq"
)

// Publisher stores a message durably; nil means the broker confirmed it.
// *mq.Publisher is the production implementation.
type Publisher interface {
	Publish(ctx context.Context, m mq.Message) error
}

// Deps are the starter's collaborators.
type Deps struct {
	Publisher Publisher
	Now       func() time.Time // default time.Now
	Logger    *slog.Logger     // default slog.Default()
	// Metrics is where the starter registers its metrics; nil means
	// metrics.Registry, which the admin listener serves.
	Metrics *prometheus.Registry
	// Jobs answers GET /v1/jobs/{id}; nil answers 503 there.
	Jobs Jobs
	// OAuth completes GET /oauth/callback; nil answers 503 there.
	OAuth OAuth
	// Idempotency binds an Idempotency-Key to the body first sent with it
	// (*store.DB); nil does not check, and a key reused with another body
	// returns the first job.
	Idempotency Idempotency
}

// server holds what every handler needs.
type server struct {
	cfg     *config.Config
	pub     Publisher
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics
	cors    cors
	jobsAPI Jobs
	oauth   OAuth

	// The public routes' defences (inbound.*).
	proxies   proxies
	formLimit *clientLimiter // nil: no limit
	idem      Idempotency

	// Job status capabilities and waiters.
	jobKey  []byte        // signs status_url capabilities (jobcap.go)
	capMACs sync.Pool     // of HMACs under jobKey
	waiters chan struct{} // bounds concurrent GET /v1/jobs ?wait= (jobs.go)

	exact map[string]http.Handler // routes served ahead of the router (routes.go)
}

// New returns the starter's HTTP handler. The routes are listed in routes.go.
func New(cfg *config.Config, deps Deps) http.Handler {
	if deps.Publisher == nil {
		panic("starter: nil Publisher")
	}
	s := &server{
		cfg:     cfg,
		pub:     deps.Publisher,
		now:     deps.Now,
		log:     deps.Logger,
		metrics: newMetrics(deps.Metrics),
		cors:    newCORS(cfg.Inbound.CORSOrigins),
		jobsAPI: deps.Jobs,
		oauth:   deps.OAuth,
		jobKey:  jobCapKey(cfg.Inbound.JobsSecret),
		waiters: make(chan struct{}, maxWaiters),
	}
	if s.now == nil {
		s.now = time.Now
	}
	px, err := config.Prefixes(cfg.Inbound.TrustedProxies)
	if err != nil {
		panic("starter: inbound.trusted_proxies: " + err.Error()) // config.Validate refuses it first
	}
	s.proxies, s.formLimit, s.idem = px, newClientLimiter(cfg.Inbound.FormRate), deps.Idempotency
	if s.log == nil {
		s.log = slog.Default()
	}
	r := mux.NewRouter()
	s.exact = map[string]http.Handler{}
	s.routes(r)
	return exactRoutes{paths: s.exact, router: r}
}
