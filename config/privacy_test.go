package config

import (
	"strings"
	"testing"
)

const (
	keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	keyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

func TestKeyRingSpellings(t *testing.T) {
	t.Setenv("AMOFLOW_PAYLOAD_KEYS", "2026-12:"+keyB+", 2026-01:"+keyA)
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Temporal.PayloadKeys; len(got) != 2 || got[0] != (NamedKey{"2026-12", keyB}) || got[1].ID != "2026-01" {
		t.Fatalf("payload_keys from the environment = %+v", got)
	}
	if len(cfg.TokenKeys) != 0 {
		t.Fatalf("token_keys without the variable = %+v", cfg.TokenKeys)
	}

	list := minimal("") + "\ntemporal:\n  payload_keys:\n    - {id: a, key: " + keyA + "}\n    - {id: b, key: " + keyB + "}\n"
	c2, err := Parse([]byte(list))
	if err != nil || len(c2.Temporal.PayloadKeys) != 2 || c2.Temporal.PayloadKeys[1].ID != "b" {
		t.Fatalf("payload_keys as a list = %+v %v", c2, err)
	}
}

func TestKeysValidated(t *testing.T) {
	for name, ring := range map[string]string{
		"short key":  "a:c2hvcnQ=",
		"not base64": "a:!!!",
		"no id":      ":" + keyA,
		"no colon":   keyA,
		"duplicate":  "a:" + keyA + ",a:" + keyB,
		"empty key":  "a:",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AMOFLOW_PAYLOAD_KEYS", ring)
			if _, err := Load("example.yaml"); err == nil || !strings.Contains(err.Error(), "payload_keys") && !strings.Contains(err.Error(), "key ring") {
				t.Errorf("accepted (%v)", err)
			}
		})
	}
	t.Setenv("AMOFLOW_PAYLOAD_KEYS", "")
	t.Setenv("AMOFLOW_TEMPORAL_UI_ORIGIN", "http://ui.example/path")
	if _, err := Load("example.yaml"); err == nil || !strings.Contains(err.Error(), "ui_origins") {
		t.Errorf("an origin with a path accepted: %v", err)
	}
}

func TestProductionRolesNeedTheirSecrets(t *testing.T) {
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"serve", "worker", "bridge", "codec-server"} {
		if err := cfg.ProductionSecrets(role); err == nil || !strings.Contains(err.Error(), "payload_keys") {
			t.Errorf("%s without payload keys: %v", role, err)
		}
	}
	if err := cfg.ProductionSecrets("auth"); err == nil || !strings.Contains(err.Error(), "token_keys") {
		t.Errorf("auth without a token key (it needs no payload keys): %v", err)
	}
	cfg.Temporal.PayloadKeys = KeyRing{{"a", keyA}}
	if err := cfg.ProductionSecrets("worker"); err == nil || !strings.Contains(err.Error(), "token_keys") {
		t.Errorf("worker without a token key: %v", err)
	}
	if err := cfg.ProductionSecrets("bridge"); err != nil {
		t.Errorf("the bridge holds no tokens: %v", err)
	}
	cfg.AllowPlaintextTokens = true
	if err := cfg.ProductionSecrets("worker"); err != nil {
		t.Errorf("worker with allow_plaintext_tokens: %v", err)
	}
	cfg.AllowPlaintextTokens, cfg.TokenKeys = false, KeyRing{{"t", keyB}}
	if err := cfg.ProductionSecrets("serve"); err == nil || !strings.Contains(err.Error(), "jobs_secret") {
		t.Errorf("serve without a jobs secret: %v", err)
	}
	cfg.Inbound.JobsSecret = "s"
	if err := cfg.ProductionSecrets("serve"); err != nil {
		t.Errorf("serve with everything: %v", err)
	}
	if err := cfg.ProductionSecrets("codec-server"); err == nil || !strings.Contains(err.Error(), "codec.token") {
		t.Errorf("codec-server without a token: %v", err)
	}
	cfg.Temporal.PayloadKeys, cfg.Temporal.AllowPlaintextPayloads = nil, true
	if err := cfg.ProductionSecrets("worker"); err != nil {
		t.Errorf("worker with allow_plaintext_payloads: %v", err)
	}
}
