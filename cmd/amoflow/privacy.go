package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"amoflow/amocrm"
	"amoflow/app"
	"amoflow/codec"
	"amoflow/config"
	"amoflow/store"
)

// runCodecServer serves the codec endpoint (POST /encode, /decode, /login)
// the Temporal UI decrypts payloads with:
//
//	amoflow codec-server --config prod.yaml
//
// It listens on temporal.codec.addr (default 127.0.0.1:8234) and requires
// temporal.codec.token and temporal.payload_keys.
func runCodecServer(ctx context.Context, args []string) error {
	fs, path := flags("codec-server")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	if err := cfg.ProductionSecrets("codec-server"); err != nil {
		return err
	}
	h, err := app.CodecHandler(cfg)
	if err != nil {
		return err
	}
	addr := cfg.Temporal.Codec.Addr
	if addr == "" {
		addr = "127.0.0.1:8234"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("codec-server: listening", "addr", ln.Addr().String(), "ui_origins", cfg.Temporal.Codec.UIOrigins)
	return serveUntil(ctx, ln, h)
}

// runAuthRekey re-seals every stored token with the newest token key:
//
//	amoflow auth rekey --config prod.yaml
func runAuthRekey(ctx context.Context, args []string) error {
	fs, path := flags("auth rekey")
	cfg, err := parse(fs, path, args)
	if err != nil {
		return err
	}
	key, err := app.TokenKey(cfg)
	if err != nil {
		return err
	}
	if key == nil {
		return fmt.Errorf("token_keys: none configured, nothing to seal with")
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	done, err := amocrm.Rekey(ctx, db, key)
	fmt.Printf("rekey: %d account(s) re-sealed with key %q %v\n", len(done), key.ActiveID(), done)
	return err
}

// devPayloadKey gives amoflow dev a payload key when the config has none:
// one kept in the data folder, so workflows of earlier runs still decode.
func devPayloadKey(cfg *config.Config) error {
	if len(cfg.Temporal.PayloadKeys) > 0 {
		return nil
	}
	file := filepath.Join(cfg.Temporal.DataDir, "payload.key")
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		k := codec.NewKey("dev")
		b = []byte(base64.StdEncoding.EncodeToString(k.Key))
		if err := os.WriteFile(file, b, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	cfg.Temporal.PayloadKeys = []config.NamedKey{{ID: "dev", Key: strings.TrimSpace(string(b))}}
	return cfg.Validate()
}

// startDevCodec serves the codec for the embedded UI on a free loopback port
// and returns its URL. Without a token (the dev UI has no login) it is open
// to local processes only, and to browsers only from the UI's origin.
func startDevCodec(ctx context.Context, cfg *config.Config) (string, error) {
	port := cfg.Temporal.UIPort
	cfg.Temporal.Codec.UIOrigins = append(cfg.Temporal.Codec.UIOrigins,
		fmt.Sprintf("http://127.0.0.1:%d", port), fmt.Sprintf("http://localhost:%d", port))
	local := *cfg
	local.Temporal.Codec.Token = "" // the embedded UI has no login to send one
	h, err := app.CodecHandler(&local)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = serveUntil(ctx, ln, h) }()
	return "http://" + ln.Addr().String(), nil
}
