package app

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"amoflow/config"
)

const (
	keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	keyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

func TestConvertersFollowThePayloadKeys(t *testing.T) {
	cfg := &config.Config{}
	if dc, fc, err := Converters(cfg); dc != nil || fc != nil || err != nil {
		t.Fatalf("without keys: %v %v %v, want the SDK defaults", dc, fc, err)
	}
	if _, err := CodecHandler(cfg); err == nil {
		t.Fatal("a codec handler without keys")
	}
	cfg.Temporal.PayloadKeys = config.KeyRing{{ID: "new", Key: keyB}, {ID: "old", Key: keyA}}
	dc, fc, err := Converters(cfg)
	if err != nil || dc == nil || fc == nil {
		t.Fatalf("with keys: %v", err)
	}
	p, err := dc.ToPayload("+79161234567")
	if err != nil || bytes.Contains(p.Data, []byte("79161234567")) || string(p.Metadata["encryption-key-id"]) != "new" {
		t.Fatalf("payload = %v %v", p, err)
	}
	cfg.Temporal.Codec.Token = "t"
	h, err := CodecHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(`{"payloads":[]}`)))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("codec handler without the token = %d", w.Code)
	}
}

func TestTokenKeyRingKeepsTheOldSingleKey(t *testing.T) {
	cfg := &config.Config{TokenKey: keyA}
	old, err := TokenKey(cfg)
	if err != nil || old == nil || old.ActiveID() != "token_key" {
		t.Fatalf("token_key alone: %v %v", old, err)
	}
	cfg.TokenKeys = config.KeyRing{{ID: "2026-12", Key: keyB}}
	ring, err := TokenKey(cfg)
	if err != nil || ring.ActiveID() != "2026-12" {
		t.Fatalf("token_keys first: %v %v", ring, err)
	}
	if k, err := TokenKey(&config.Config{}); k != nil || err != nil {
		t.Fatalf("no keys: %v %v", k, err)
	}
}
