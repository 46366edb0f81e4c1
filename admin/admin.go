// Package admin is the operator's listener of every role (http.admin_addr,
// loopback by default): Prometheus metrics, readiness, and whatever else an
// operator but not the internet should reach (the payload codec server is
// mounted on Server.Mux). The public listener keeps only /healthz.
package admin

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"amoflow/httpserve"
	"amoflow/metrics"
)

// Server is the admin HTTP surface of one process.
type Server struct {
	// Mux serves /metrics and /readyz; mount more operator handlers on it
	// (for example the payload codec: Mux.Handle("/codec/", codec.Handler(…))).
	Mux   *http.ServeMux
	ready *readiness
}

// New serves metrics.Registry on /metrics and the checks, cached for a
// second, on /readyz.
func New(checks []Check, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{Mux: http.NewServeMux(), ready: newReadiness(checks, log)}
	s.Mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{Registry: metrics.Registry}))
	s.Mux.Handle("GET /readyz", s.ready)
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	return s
}

// AddCheck adds readiness checks of parts that start later (the starter's
// publisher in a process that runs several roles).
func (s *Server) AddCheck(cs ...Check) { s.ready.add(cs...) }

// ServeHTTP makes the Server a handler (tests, embedding).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Mux.ServeHTTP(w, r) }

// Run listens on addr and serves until ctx ends.
func (s *Server) Run(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln, log)
}

// Serve serves on ln until ctx ends, then shuts down.
func (s *Server) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("admin: listening", "addr", ln.Addr().String())
	return httpserve.Run(ctx, srv, ln, 5*time.Second)
}
