package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"amoflow/app"
	"amoflow/store"
)

// runMigrate applies the database migrations (every role also does at start).
func runMigrate(ctx context.Context, args []string) error {
	fs, path := flags("migrate")
	_, db, err := parseWithStore(ctx, fs, path, args)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Println("migrations: up to date")
	return nil
}

// runWorker runs the Temporal workers against an external Temporal.
func runWorker(ctx context.Context, args []string) error {
	fs, path := flags("worker")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	if err := cfg.ProductionSecrets("worker"); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := app.DialTemporal(ctx, cfg, slog.Default())
	if err != nil {
		return err
	}
	defer tc.Close()
	clients, err := app.AmoClients(cfg, db)
	if err != nil {
		return err
	}
	// The nightly ucheba.ru import's schedule, created or brought in line
	// with the configuration (README "ucheba.ru import").
	sched, err := app.EnsureUchebaSchedule(ctx, cfg, tc)
	if err != nil {
		return err
	}
	slog.Info("worker: running", "task_queue", cfg.Temporal.TaskQueue, "accounts", cfg.AccountNames(), "ucheba_schedule", sched)
	errs := make(chan error, 2)
	if err := mountOperator(startAdmin(ctx, cfg, errs, temporalCheck(tc), postgresCheck(db)), cfg, db); err != nil {
		return err
	}
	return untilDone(errs, func() error { return app.RunWorkers(ctx, app.Workers(cfg, tc, clients, db)) })
}

// runBridge runs the RabbitMQ → Temporal bridge against an external Temporal.
func runBridge(ctx context.Context, args []string) error {
	fs, path := flags("bridge")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	if err := cfg.ProductionSecrets("bridge"); err != nil {
		return err
	}
	tc, err := app.DialTemporal(ctx, cfg, slog.Default())
	if err != nil {
		return err
	}
	defer tc.Close()
	host, _ := os.Hostname()
	slog.Info("bridge: running", "task_queue", cfg.Temporal.TaskQueue)
	errs := make(chan error, 2)
	startAdmin(ctx, cfg, errs, temporalCheck(tc))
	return untilDone(errs, func() error { return app.Bridge(cfg, tc, "amoflow-bridge@"+host, slog.Default()).Run(ctx) })
}
