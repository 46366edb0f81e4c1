package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
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
	fmt.Sscan(port, &frontendPort)
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

// needsFakeAmo is true when no account has real OAuth credentials.
func needsFakeAmo(cfg *config.Config) bool {
	for _, a := range cfg.Accounts {
		if a.ClientSecret != "" {
			return false
		}
	}
	return true
}

// startFakeAmo serves the fake amoCRM, points every account at it and stores
// a fresh token pair for each through the real authorization-code exchange.
func startFakeAmo(ctx context.Context, cfg *config.Config, db *store.DB, addr string) (string, error) {
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "dev-"+a.Name, "dev-secret-"+a.Name
	}
	fake := amofake.New(amofake.FromConfig(cfg, amofake.Options{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fake amoCRM: %w", err)
	}
	go serveUntil(ctx, ln, fake)
	topts, err := app.TokenOptions(cfg)
	if err != nil {
		return "", err
	}
	base := "http://" + ln.Addr().String()
	for _, a := range cfg.Accounts {
		a.BaseURL = base + "/" + a.Subdomain
		if err := amocrm.ExchangeCode(ctx, db, amocrm.AccountFromConfig(a), "dev-code", topts...); err != nil {
			return "", fmt.Errorf("fake amoCRM: bootstrap tokens of %s: %w", a.Name, err)
		}
	}
	return base, nil
}

// ensureServices checks that Postgres and RabbitMQ answer, and runs
// scripts/services.sh (which starts or installs them) when they do not.
func ensureServices(ctx context.Context, cfg *config.Config) error {
	missing := unreachable(cfg)
	if len(missing) == 0 {
		return nil
	}
	script := "scripts/services.sh"
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("%s not reachable; start them (see README) and try again", strings.Join(missing, " and "))
	}
	slog.Info("dev: starting local services", "missing", missing)
	cmd := exec.CommandContext(ctx, script)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s not reachable and %s failed: %w", strings.Join(missing, " and "), script, err)
	}
	if missing = unreachable(cfg); len(missing) > 0 {
		return fmt.Errorf("%s still not reachable", strings.Join(missing, " and "))
	}
	return nil
}

func unreachable(cfg *config.Config) []string {
	var out []string
	for name, addr := range map[string]string{
		"PostgreSQL": hostPort(cfg.Postgres.URL, "5432"),
		"RabbitMQ":   hostPort(cfg.RabbitMQ.URL, "5672"),
	} {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			out = append(out, name+" ("+addr+")")
			continue
		}
		c.Close()
	}
	return out
}

// hostPort extracts host:port from a URL like scheme://user@host:port/db.
func hostPort(url, defPort string) string {
	rest := url[strings.Index(url, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	rest, _, _ = strings.Cut(rest, "/")
	rest, _, _ = strings.Cut(rest, "?")
	if _, _, err := net.SplitHostPort(rest); err != nil {
		rest = net.JoinHostPort(rest, defPort)
	}
	return rest
}

func printWelcome(cfg *config.Config, uiURL, fakeURL, checked string) {
	api := cfg.HTTP.PublicURL
	fmt.Printf("\namoflow is running.\n\n")
	fmt.Printf("  API           %s   (health: %s/healthz)\n", api, api)
	fmt.Printf("  admin         http://%s   (/metrics, /readyz)\n", cfg.HTTP.AdminAddr)
	fmt.Printf("  config check  %s\n", checked)
	fmt.Printf("  Temporal UI   %s\n", uiURL)
	if fakeURL != "" {
		fmt.Printf("  fake amoCRM   %s   (inspect: %s/_fake/)\n", fakeURL, fakeURL)
	}
	printExamples(cfg)
}
