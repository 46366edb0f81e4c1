package starter

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// readyTimeout bounds all readiness checks together: a probe must answer fast.
const readyTimeout = 2 * time.Second

// healthz says the process serves HTTP; it checks nothing else, so that a
// broker outage does not get the process restarted.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

// readyz runs every dependency check at once and answers 503 naming those that fail.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	errs := make([]error, len(s.ready))
	var wg sync.WaitGroup
	for i, c := range s.ready {
		wg.Go(func() { errs[i] = runCheck(ctx, c) })
	}
	wg.Wait()
	var failing []string
	for i, err := range errs {
		if err != nil {
			failing = append(failing, s.ready[i].Name)
			s.log.Warn("not ready", "check", s.ready[i].Name, "err", err)
		}
	}
	if len(failing) > 0 {
		writeProblem(w, &problem{Type: problemType + "not-ready", Title: "Not ready", Status: http.StatusServiceUnavailable,
			Detail: "failing: " + strings.Join(failing, ", "), Failing: failing})
		return
	}
	writeText(w, http.StatusOK, "ready\n")
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
