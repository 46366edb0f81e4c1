package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/admin"
	"amoflow/amocrm"
	"amoflow/codec/codectest"
	"amoflow/config"
	"amoflow/internal/testrig"
	"amoflow/store"
	"amoflow/store/storetest"
)

// TestOperatorHandlers: the admin listener answers each account's state as
// JSON and, with a codec token configured, serves the payload codec under
// /codec/ only to that token.
func TestOperatorHandlers(t *testing.T) {
	testrig.NeedsServers(t, "PostgreSQL")
	ctx := context.Background()
	cfg, err := config.Load("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.PayloadKeys = []config.NamedKey{{ID: codectest.KeyID, Key: codectest.KeyBase64()}}
	cfg.Temporal.Codec.Token = "operator-token"
	db, err := store.Open(ctx, storetest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One account authorized with a long-lived token, the other never.
	if err := amocrm.StoreLongLivedToken(ctx, db, amocrm.AccountFromConfig(cfg.Accounts["retail"]), "tok", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	adm := admin.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := mountOperator(adm, cfg, db); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(adm.Mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/accounts")
	if err != nil {
		t.Fatal(err)
	}
	var st []amocrm.AccountStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /accounts: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	got := map[string]bool{}
	for _, s := range st {
		got[s.Account] = s.Authorized
	}
	if len(st) != len(cfg.AccountNames()) || !got["retail"] || got["corp"] {
		t.Errorf("account states %+v: want every configured account, retail authorized, corp not", st)
	}

	decode := func(token string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/codec/decode", strings.NewReader(`{"payloads":[]}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := decode(""); code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Errorf("codec without the token answered %d", code)
	}
	if code := decode("operator-token"); code != http.StatusOK {
		t.Errorf("codec with the token answered %d", code)
	}
}
