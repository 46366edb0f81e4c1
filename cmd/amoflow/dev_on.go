//go:build dev

// The development build (go build -tags dev, make run): only it links the
// embedded Temporal server and Web UI (package devserver), which pull the
// AWS, GCP and Kubernetes SDKs in. The production build answers `amoflow dev`
// with dev_off.go's message instead; TestProductionBuildLeavesOutTheServer
// keeps it that way.

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"amoflow/app"
	"amoflow/devserver"
	"amoflow/store"
	"amoflow/workflows"
)

// runDev runs everything in one process: an embedded Temporal dev server with
// its Web UI (SQLite file under the data folder), the worker, the bridge and
// the starter, and — when no amoCRM credentials are configured — a fake
// amoCRM seeded from the config with tokens bootstrapped automatically.
func runDev(ctx context.Context, args []string) error {
	fs, path := flags("dev")
	fakeAddr := fs.String("fake-amo-addr", "127.0.0.1:8090", "where the fake amoCRM listens when it is used")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	log := slog.Default()
	if err := ensureServices(ctx, cfg); err != nil {
		return err
	}
	if err := store.EnsureDatabase(ctx, cfg.Postgres.URL); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()

	if err := os.MkdirAll(cfg.Temporal.DataDir, 0o755); err != nil {
		return err
	}
	// Payloads are encrypted in dev too; the embedded UI decrypts them
	// through a local codec endpoint.
	if err := devPayloadKey(cfg); err != nil {
		return fmt.Errorf("dev payload key: %w", err)
	}
	codecURL, err := startDevCodec(ctx, cfg)
	if err != nil {
		return fmt.Errorf("dev codec: %w", err)
	}
	_, port, _ := net.SplitHostPort(cfg.Temporal.HostPort)
	var frontendPort int
	_, _ = fmt.Sscan(port, &frontendPort)
	ts, err := devserver.Start(ctx, devserver.Options{
		DBFile:           filepath.Join(cfg.Temporal.DataDir, "temporal.db"),
		FrontendPort:     frontendPort,
		UIPort:           cfg.Temporal.UIPort,
		Namespace:        cfg.Temporal.Namespace,
		SearchAttributes: workflows.SearchAttributeTypes,
		Logger:           log,
		CodecEndpoint:    codecURL,
	})
	if err != nil {
		return fmt.Errorf("embedded Temporal: %w", err)
	}
	defer ts.Stop()
	cfg.Temporal.HostPort = ts.FrontendHostPort()
	cfg.Temporal.SearchAttributes = true // registered above

	fakeURL := ""
	if needsFakeAmo(cfg) {
		if fakeURL, err = startFakeAmo(ctx, cfg, db, *fakeAddr); err != nil {
			return err
		}
	}

	if cfg.OneC.BaseURL == "" {
		if err := startDevFake1C(ctx, cfg); err != nil {
			return err
		}
	}

	if cfg.LK.BaseURL == "" {
		if err := startDevFakeLK(ctx, cfg); err != nil {
			return err
		}
	}
	if cfg.Webinar.BaseURL == "" {
		if err := startDevFakeWebinar(ctx, cfg); err != nil {
			return err
		}
	}

	if err := startDevEGRUL(ctx, cfg, needsFakeAmo(cfg)); err != nil {
		return err
	}
	if err := startDevFakeUcheba(ctx, cfg, time.Now()); err != nil {
		return err
	}
	devInbound(cfg)

	tc, err := app.DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	clients, err := app.AmoClients(cfg, db)
	if err != nil {
		return err
	}
	if _, err := app.EnsureUchebaSchedule(ctx, cfg, tc); err != nil {
		return err
	}
	errs := make(chan error, 4)
	adm := startAdmin(ctx, cfg, errs, postgresCheck(db), temporalCheck(tc))
	if err := mountOperator(adm, cfg, db); err != nil { // dev's codec runs apart, without a token
		return err
	}
	go func() { errs <- app.RunWorkers(ctx, app.Workers(cfg, tc, clients, db)) }()
	go func() { errs <- app.Bridge(cfg, tc, "amoflow-dev-bridge", log).Run(ctx) }()
	go func() { errs <- serveHTTP(ctx, cfg, db, tc, adm) }()

	checked, err := configCheck(ctx, cfg, db)
	if err != nil {
		return err
	}
	if !checked.OK() {
		checked.Print(os.Stderr)
	}
	printWelcome(cfg, ts.UIURL(), fakeURL, checked.Summary())
	printShadow(cfg)
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
		return nil
	}
}
