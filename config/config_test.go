package config

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func TestExampleLoads(t *testing.T) {
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, ok := cfg.Account("retail")
	if !ok || r.AccountID != 28395871 || r.BaseURL != "https://mzpoeducationsale.amocrm.ru" {
		t.Fatalf("retail = %+v", r)
	}
	if r.Intake.PipelineID == 6167398 {
		t.Fatal("the intake pipeline must not be the test pipeline")
	}
	if a, ok := cfg.AccountByAmo(19453687, ""); !ok || a.Name != "corp" {
		t.Fatalf("AccountByAmo(corp id) = %v %v", a, ok)
	}
	if a, ok := cfg.AccountByAmo(0, "mzpoeducationsale"); !ok || a.Name != "retail" {
		t.Fatalf("AccountByAmo(retail subdomain) = %v %v", a, ok)
	}
	if cfg.Inbound.DedupWindow.Minutes() != 10 {
		t.Fatalf("dedup window = %v", cfg.Inbound.DedupWindow)
	}
}

func TestEnvExpansion(t *testing.T) {
	t.Setenv("AMO_SECRET", "s3cr3t")
	t.Setenv("AMO_RPS", "5")
	cfg, err := Parse([]byte(minimal(`client_secret: ${AMO_SECRET}
    rps: ${AMO_RPS}
    base_url: ${UNSET_BASE:-http://127.0.0.1:9}`)))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts["retail"]
	if a.ClientSecret != "s3cr3t" || a.RPS != 5 || a.BaseURL != "http://127.0.0.1:9" {
		t.Fatalf("got %+v", a)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := map[string]string{
		minimal("rps: 50"):           "accounts.retail.rps",
		minimal("base_url: ftp://x"): "accounts.retail.base_url",
		strings.Replace(minimal(""), "account_id: 1", "account_id: 0", 1): "accounts.retail.account_id",
		minimal("unknown_key: 1"): "unknown_key",
		"accounts: {}":            "accounts",
		minimal("") + "\ninbound:\n  legacy_webhooks: {enabled: true}\n":                                      "inbound.legacy_webhooks.allow_from",
		minimal("") + "\ninbound:\n  legacy_webhooks: {enabled: true, allow_from: [10.0.0.0/8, amocrm.ru]}\n": `"amocrm.ru" is neither`,
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want one naming %q", in, err, want)
		}
	}
}

func TestMaxOpenForms(t *testing.T) {
	for in, want := range map[string]int{"": DefaultMaxOpenForms, "max_open_forms: 40": 40, "max_open_forms: -1": -1} {
		cfg, err := Parse([]byte(minimal("") + "\nrabbitmq: {" + in + "}\n"))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := cfg.RabbitMQ.MaxOpenForms; got != want {
			t.Errorf("%q: max_open_forms %d, want %d", in, got, want)
		}
	}
	// The cap's count query names the task queue.
	if _, err := Parse([]byte(minimal("") + "\ntemporal: {task_queue: \"it's\"}\n")); err == nil || !strings.Contains(err.Error(), "temporal.task_queue") {
		t.Errorf("a quote in the task queue: error %v", err)
	}
	if _, err := Parse([]byte(minimal("") + "\nrabbitmq: {max_open_forms: -1}\ntemporal: {task_queue: \"it's\"}\n")); err != nil {
		t.Errorf("no cap, any task queue: %v", err)
	}
}

func TestHoldLimit(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 10 * time.Minute, "hold_limit: 5m": 5 * time.Minute} {
		cfg, err := Parse([]byte(minimal("") + "\nrabbitmq: {" + in + "}\n"))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := cfg.RabbitMQ.HoldLimit; got != want {
			t.Errorf("%q: hold_limit %s, want %s", in, got, want)
		}
	}
	if _, err := Parse([]byte(minimal("") + "\nrabbitmq: {hold_limit: -1m}\n")); err == nil || !strings.Contains(err.Error(), "rabbitmq.hold_limit") {
		t.Errorf("a negative hold limit: error %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(os.DevNull + "/nope.yaml")
	if err == nil {
		t.Fatal("want an error")
	}
}

func minimal(extra string) string {
	return `accounts:
  retail:
    subdomain: r
    account_id: 1
    intake: {pipeline_id: 10}
    ` + extra
}

func TestIngestKeys(t *testing.T) {
	cfg, err := Parse([]byte(minimal("")))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.Inbound.FormRate != DefaultFormRate || cfg.Inbound.IdempotencyTTL != 30*24*time.Hour || len(cfg.Inbound.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v %v", cfg.Inbound.FormRate, cfg.Inbound.IdempotencyTTL)
	}
	cfg, err = Parse([]byte(minimal("") + "\ninbound:\n  form_rate: {rps: 0}\n  trusted_proxies: [10.0.0.0/8, 2001:db8::1]\n  honeypot_field: website\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Inbound.FormRate.RPS != 0 || cfg.Inbound.HoneypotField != "website" {
		t.Fatalf("explicit: %+v", cfg.Inbound)
	}
	p, _ := Prefixes(cfg.Inbound.TrustedProxies)
	if len(p) != 2 || p[1].Bits() != 128 || !p[0].Contains(netip.MustParseAddr("10.9.8.7")) {
		t.Fatalf("prefixes %v", p)
	}
	for in, want := range map[string]string{
		"trusted_proxies: [proxy.local]": "inbound.trusted_proxies",
		"form_rate: {rps: -1}":           "inbound.form_rate.rps",
		"form_rate: {rps: 2}":            "inbound.form_rate.burst",
		"honeypot_field: phone":          "inbound.honeypot_field",
		"idempotency_ttl: -1h":           "inbound.idempotency_ttl",
	} {
		_, err := Parse([]byte(minimal("") + "\ninbound:\n  " + in + "\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %q", in, err, want)
		}
	}
}

func TestPublicURLRequiredOutsideDev(t *testing.T) {
	cfg, err := Parse([]byte(minimal("")))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.RequirePublicURL(); err == nil || !strings.Contains(err.Error(), "http.public_url") {
		t.Errorf("defaulted public_url accepted: %v", err)
	}
	if cfg.HTTP.AdminAddr != "127.0.0.1:9090" {
		t.Errorf("admin_addr default %q", cfg.HTTP.AdminAddr)
	}
	cfg, err = Parse([]byte("http: {public_url: 'https://amoflow.example.ru/', admin_addr: '0.0.0.0:9191'}\n" + minimal("")))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.RequirePublicURL(); err != nil || cfg.HTTP.PublicURL != "https://amoflow.example.ru" || cfg.HTTP.AdminAddr != "0.0.0.0:9191" {
		t.Errorf("configured: %v %q %q", err, cfg.HTTP.PublicURL, cfg.HTTP.AdminAddr)
	}
}

func TestAmoCRMSettingsValidated(t *testing.T) {
	for name, c := range map[string]struct{ extra, top, want string }{
		"secret missing":   {"client_id: abc", "", "accounts.retail.client_secret: required"},
		"redirect missing": {"client_id: abc\n    client_secret: s", "", "accounts.retail.redirect_uri: required"},
		"redirect bad":     {"client_id: abc\n    client_secret: s\n    redirect_uri: mzpo-s.ru/cb", "", "accounts.retail.redirect_uri:"},
		"fraction":         {"", "amocrm:\n  refresh_fraction: 1.5\n", "amocrm.refresh_fraction"},
		"pause too long":   {"", "amocrm:\n  pause_retry: 2m\n", "amocrm.pause_retry"},
		"ok": {"client_id: abc\n    client_secret: s\n    redirect_uri: https://mzpo-s.ru/oauth/callback",
			"amocrm:\n  refresh_fraction: 0.25\n  pause_retry: 1s\n  block_cooldown: 2m\n", ""},
	} {
		_, err := Parse([]byte(c.top + minimal(c.extra)))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
}
