package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"amoflow/config"
	"amoflow/webinar"
)

// startDevFakeWebinar serves the fake webinar.ru (package webinar) on a
// free local port and points webinar.base_url at it, for amoflow dev.
func startDevFakeWebinar(ctx context.Context, cfg *config.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake webinar.ru: %w", err)
	}
	if cfg.Webinar.Token == "" {
		cfg.Webinar.Token = "dev-webinar-token"
	}
	go func() { _ = serveUntil(ctx, ln, webinar.NewFake(cfg.Webinar.Token)) }()
	cfg.Webinar.BaseURL = "http://" + ln.Addr().String() + "/v3"
	slog.Info("dev: fake webinar.ru", "base_url", cfg.Webinar.BaseURL)
	return nil
}
