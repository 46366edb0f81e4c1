// Helpers of `amoflow dev` that need no embedded server (runDev itself is
// in dev_on.go, built only with -tags dev); compiled in both builds so their
// tests run in both.

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/store"
)

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
	go func() { _ = serveUntil(ctx, ln, fake) }()
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
		_ = c.Close()
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
