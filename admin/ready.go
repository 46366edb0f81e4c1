package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	// readyTimeout bounds all checks together: a probe must answer fast.
	readyTimeout = 2 * time.Second
	// readyCacheFor spares the dependencies a check per probe when several
	// probes (kubelet, load balancer, Prometheus) ask every second.
	readyCacheFor = time.Second
)

// Check is one readiness dependency (RabbitMQ, Postgres, Temporal).
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// readiness runs the checks at most once per readyCacheFor; concurrent
// probes wait for the one run in flight.
type readiness struct {
	checks []Check
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	at      time.Time
	failing []string
	runs    int // for tests
}

func newReadiness(checks []Check, log *slog.Logger) *readiness {
	return &readiness{checks: checks, log: log, now: time.Now}
}

// state returns the names of failing checks, from cache when fresh.
func (r *readiness) state(ctx context.Context) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs > 0 && r.now().Sub(r.at) < readyCacheFor {
		return r.failing
	}
	r.failing = r.run(ctx)
	r.at = r.now()
	r.runs++
	return r.failing
}

func (r *readiness) add(cs ...Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, cs...)
	r.runs = 0 // the cached answer did not include them
}

func (r *readiness) run(ctx context.Context) []string {
	// Detached from the probe: a cached answer must not be a cancelled one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	errs := make([]error, len(r.checks))
	var wg sync.WaitGroup
	for i, c := range r.checks {
		wg.Go(func() { errs[i] = runCheck(ctx, c) })
	}
	wg.Wait()
	var failing []string
	for i, err := range errs {
		if err != nil {
			failing = append(failing, r.checks[i].Name)
			r.log.Warn("not ready", "check", r.checks[i].Name, "err", err)
		}
	}
	return failing
}

// ServeHTTP answers 200 "ready" or 503 with the failing checks' names (never
// their error text, which may name hosts and users).
func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	failing := r.state(req.Context())
	if len(failing) > 0 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{
			"title": "Not ready", "status": http.StatusServiceUnavailable,
			"detail": "failing: " + strings.Join(failing, ", "), "failing": failing,
		})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}

// runCheck gives up on a check that ignores its context.
func runCheck(ctx context.Context, c Check) error {
	done := make(chan error, 1)
	go func() { done <- c.Func(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
