package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"amoflow/config"
	"amoflow/lk"
)

// startDevFakeLK serves the fake LK service (package lk) on a free local
// port and points lk.base_url at it, for amoflow dev without a real one.
func startDevFakeLK(ctx context.Context, cfg *config.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake LK: %w", err)
	}
	go func() { _ = serveUntil(ctx, ln, lk.NewFake()) }()
	cfg.LK.BaseURL = "http://" + ln.Addr().String()
	slog.Info("dev: fake LK service", "base_url", cfg.LK.BaseURL)
	return nil
}
