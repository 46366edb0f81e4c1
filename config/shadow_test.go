package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShadowValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"shadow account, 1C follows", func(c *Config) { c.Accounts["retail"].Mode = ModeShadow; c.OneC.Mode = ModeShadow }, ""},
		{"bad mode", func(c *Config) { c.Accounts["retail"].Mode = "dry" }, "accounts.retail.mode"},
		{"flows on a shadow account", func(c *Config) {
			c.Accounts["retail"].Mode = ModeShadow
			c.OneC.Mode = ModeShadow
			c.Accounts["retail"].ShadowFlows = []string{"Ret2Corp"}
		}, "accounts.retail.shadow_flows"},
		{"empty flow", func(c *Config) { c.Accounts["corp"].ShadowFlows = []string{""} }, "accounts.corp.shadow_flows"},
		{"shadow account with live 1C", func(c *Config) {
			c.Accounts["retail"].Mode = ModeShadow
			c.OneC.Mode, c.OneC.BaseURL = ModeLive, "https://1c.example.ru/base/"
		}, "onec.mode"},
		{"bad 1C mode", func(c *Config) { c.OneC.Mode = "off" }, "onec.mode"},
		{"short retention", func(c *Config) { c.Shadow.Retention = 1 }, "shadow.retention"},
	} {
		cfg, err := Load("example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		tc.edit(cfg)
		err = cfg.validateShadow()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// An account switched to shadow by its environment variable takes 1C along
// unless onec.mode says otherwise.
func TestShadowFromEnvironment(t *testing.T) {
	t.Setenv("AMOFLOW_RETAIL_MODE", "shadow")
	cfg, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, c := cfg.Accounts["retail"], cfg.Accounts["corp"]
	if r.Mode != ModeShadow || !r.ShadowsFlow("Anything") || c.Mode != ModeLive || c.Shadowed() {
		t.Errorf("retail %q, corp %q", r.Mode, c.Mode)
	}
	if cfg.OneC.Mode != ModeShadow || !cfg.AnyShadow() {
		t.Errorf("onec.mode %q; want shadow while retail is", cfg.OneC.Mode)
	}

	t.Setenv("AMOFLOW_1C_MODE", "live")
	t.Setenv("AMOFLOW_1C_URL", "https://1c.example.ru/base/")
	if _, err := Load("example.yaml"); err == nil || !strings.Contains(err.Error(), "onec.mode") {
		t.Errorf("a shadow account with a live 1C loaded: %v", err)
	}
}

func TestShadowFlowsOnly(t *testing.T) {
	raw, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "    mode: ${AMOFLOW_CORP_MODE:-live}\n",
		"    mode: live\n    shadow_flows: [Ret2Corp]\n", 1)
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Accounts["corp"]
	if !c.ShadowsFlow("Ret2Corp") || c.ShadowsFlow("CreateLeadFromForm") {
		t.Errorf("corp shadows %v", c.ShadowFlows)
	}
	if cfg.OneC.Mode != ModeLive || strings.Join(cfg.ShadowFlows(), ",") != "Ret2Corp" {
		t.Errorf("onec.mode %q, shadow flows %v", cfg.OneC.Mode, cfg.ShadowFlows())
	}
}
