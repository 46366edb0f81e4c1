package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"amoflow/amofake"
)

// runFakeAmo serves a fake amoCRM seeded from the config's accounts. Each
// account lives under http://ADDR/{subdomain}; point an account's base_url there.
func runFakeAmo(ctx context.Context, args []string) error {
	fs, path := flags("fake-amo")
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	ttl := fs.Duration("access-ttl", 24*time.Hour, "access token lifetime")
	rps := fs.Int("rps", 0, "API requests per account in any second before 429 (0: amoCRM's 7; negative: no limit)")
	var lat amofake.LatencyDist
	fs.DurationVar(&lat.Median, "answer-median", 0, "median answer time (amoCRM: ~150ms)")
	fs.Float64Var(&lat.Sigma, "answer-sigma", 0.35, "spread of the log-normal answer time (σ of its logarithm)")
	fs.Float64Var(&lat.Slow, "answer-slow", 0, "share of answers that take -answer-slow-time (e.g. 0.01)")
	fs.DurationVar(&lat.SlowTime, "answer-slow-time", 2*time.Second, "time of a slow answer")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	fake := amofake.New(amofake.FromConfig(cfg, amofake.Options{AccessTTL: *ttl, RPS: *rps}))
	for _, sub := range fake.Subdomains() {
		fake.SetFaults(sub, amofake.Faults{Answer: lat})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	for _, sub := range fake.Subdomains() {
		slog.Info("fake amoCRM account", "base_url", "http://"+ln.Addr().String()+"/"+sub)
	}
	return serveUntil(ctx, ln, fake)
}

// serveUntil serves h on ln until ctx ends.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
