package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"amoflow/config"
	"amoflow/onec/onecfake"
)

// runFake1C serves a fake 1C (docs/architecture.md#fakes) with the config's
// Basic credentials. Point onec.base_url at http://ADDR/ ; inspect it and
// inject faults under http://ADDR/_fake/.
func runFake1C(ctx context.Context, args []string) error {
	fs, path := flags("fake-1c")
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fake := onecfake.New(onecfake.Options{Username: cfg.OneC.Username, Password: cfg.OneC.Password})
	slog.Info("fake 1C", "base_url", "http://"+ln.Addr().String()+"/", "inspect", "http://"+ln.Addr().String()+"/_fake/requests")
	return serveUntil(ctx, ln, fake)
}

// startDevFake1C serves a fake 1C for amoflow dev (no onec.base_url
// configured) and points the configuration at it; without a configured 1C
// token it sets one and says which.
func startDevFake1C(ctx context.Context, cfg *config.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:8091")
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("fake 1C: %w", err)
		}
	}
	if cfg.OneC.Username == "" {
		cfg.OneC.Username, cfg.OneC.Password = "dev", "dev-1c"
	}
	fake := onecfake.New(onecfake.Options{Username: cfg.OneC.Username, Password: cfg.OneC.Password})
	go func() { _ = serveUntil(ctx, ln, fake) }()
	cfg.OneC.BaseURL = "http://" + ln.Addr().String() + "/"
	if cfg.Inbound.OneCToken == "" {
		cfg.Inbound.OneCToken = "dev-1c-token"
	}
	slog.Info("dev: fake 1C", "base_url", cfg.OneC.BaseURL, "inspect", cfg.OneC.BaseURL+"_fake/requests",
		"token_header", "X-Amoflow-Token: "+cfg.Inbound.OneCToken)
	return nil
}
