package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"amoflow/admin"
	"amoflow/app"
	"amoflow/config"
	"amoflow/httpserve"
	"amoflow/mq"
	"amoflow/starter"
	"amoflow/store"
)

// runServe runs the HTTP starter against an external Temporal.
func runServe(ctx context.Context, args []string) error {
	fs, path := flags("serve")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	if err := cfg.RequirePublicURL(); err != nil {
		return err
	}
	if err := cfg.ProductionSecrets("serve"); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	// Lazy: forms are stored in RabbitMQ whether or not Temporal is up.
	dc, fc, err := app.Converters(cfg) // job results are encrypted payloads
	if err != nil {
		return err
	}
	tc, err := client.NewLazyClient(client.Options{HostPort: cfg.Temporal.HostPort, Namespace: cfg.Temporal.Namespace,
		MetricsHandler: app.TemporalMetrics(), DataConverter: dc, FailureConverter: fc})
	if err != nil {
		return err
	}
	defer tc.Close()
	errs := make(chan error, 2)
	adm := startAdmin(ctx, cfg, errs, postgresCheck(db), temporalCheck(tc))
	if err := mountOperator(adm, cfg, db); err != nil {
		return err
	}
	return untilDone(errs, func() error { return serveHTTP(ctx, cfg, db, tc, adm) })
}

// serveHTTP runs the starter until ctx ends, then drains it.
// Its broker check joins adm's readiness.
func serveHTTP(ctx context.Context, cfg *config.Config, db *store.DB, tc client.Client, adm *admin.Server) error {
	host, _ := os.Hostname()
	pub, err := mq.FromConfig(cfg.RabbitMQ, "amoflow-starter@"+host).NewPublisher(ctx)
	if err != nil {
		return err
	}
	defer pub.Close()
	onboarding, err := app.Onboarding(cfg, db)
	if err != nil {
		return err
	}
	adm.AddCheck(admin.Check{Name: "rabbitmq", Func: pub.Ping})
	h := starter.New(cfg, starter.Deps{
		Publisher: pub,
		Jobs:      app.TemporalJobs{Client: tc},
		OAuth:     app.OAuth{Onboarding: onboarding},
		// Idempotency-Key bindings live in Postgres (only requests with the header).
		Idempotency: db,
	})
	srv := &http.Server{
		Addr:              cfg.HTTP.Addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	slog.Info("starter: listening", "addr", ln.Addr().String())
	return httpserve.Run(ctx, srv, ln, 10*time.Second)
}
