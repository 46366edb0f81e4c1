package config

import (
	"strings"
	"testing"
	"time"
)

func TestLegacyValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"corp_lead without key", func(c *Config) { c.Inbound.Legacy.CorpLead.Enabled = true }, "inbound.legacy.corp_lead.key"},
		{"managers with key", func(c *Config) { c.Inbound.Legacy.Managers = LegacyRoute{Enabled: true, Key: "k"} }, ""},
		{"hooks without legacy_webhooks", func(c *Config) { c.Inbound.Legacy.Hooks.Enabled = true }, "inbound.legacy.hooks"},
		{"onec without token", func(c *Config) { c.Inbound.Legacy.OneC.Enabled = true; c.Inbound.OneCToken = "" }, "inbound.legacy.onec"},
		{"bad allow_from", func(c *Config) { c.Inbound.Legacy.ChangeResp.AllowFrom = []string{"sensei"} }, "change_resp.allow_from"},
		{"wait too long", func(c *Config) { c.Inbound.Legacy.Wait = 2 * time.Minute }, "inbound.legacy.wait"},
		{"call_sorter as in example.yaml", func(c *Config) { c.Inbound.Legacy.CallSorter.Enabled = true }, ""},
		{"call_sorter open to all", func(c *Config) { c.Inbound.Legacy.CallSorter = LegacyRoute{Enabled: true} }, "call_sorter.allow_from"},
		{"call_sorter bad address", func(c *Config) { c.Inbound.Legacy.CallSorter.AllowFrom = []string{"pbx"} }, "call_sorter.allow_from"},
		{"lead_tasks as in example.yaml", func(c *Config) { c.Inbound.Legacy.LeadTasks.Enabled = true }, ""},
		{"lead_tasks without variants", func(c *Config) { c.Inbound.Legacy.LeadTasks.Enabled = true; c.Widgets.LeadTasks.Variants = nil }, "widgets.lead_tasks"},
		{"lead_tasks unknown account", func(c *Config) { c.Widgets.LeadTasks.Account = "nope" }, "widgets.lead_tasks.account"},
		{"home", func(c *Config) { c.Inbound.Legacy.Home.Enabled = true }, ""},
	} {
		cfg, err := Load("example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Inbound.Legacy.Wait != DefaultLegacyWait {
			t.Fatalf("default wait %v", cfg.Inbound.Legacy.Wait)
		}
		cfg.Inbound.OneCToken = "t"
		tc.edit(cfg)
		err = cfg.validateLegacy()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
