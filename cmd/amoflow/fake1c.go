package main

import (
	"context"
	"log/slog"
	"net"

	"amoflow/onec/onecfake"
)

// runFake1C serves a fake 1C (reference-system §9.2) with the config's
// Basic credentials. Point onec.base_url at http://ADDR/ ; inspect it and
// inject faults under http://ADDR/_fake/.
func runFake1C(ctx context.Context, args []string) error {
	fs, path := flags("fake-1c")
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
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
