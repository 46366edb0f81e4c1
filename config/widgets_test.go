package config

import (
	"strings"
	"testing"
)

func TestWidgetsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" = valid
	}{
		{"example as shipped", func(*Config) {}, ""},
		{"widget without key", func(c *Config) { c.Inbound.Legacy.Widget = LegacyRoute{Enabled: true} }, "inbound.legacy.widget.key"},
		{"widget with key", func(c *Config) { c.Inbound.Legacy.Widget = LegacyRoute{Enabled: true, Key: "k"} }, ""},
		{"company widget without account", func(c *Config) {
			c.Inbound.Legacy.CompanyEGRUL.Enabled, c.Widgets.CompanyAccount = true, ""
		}, "widgets.company_account"},
		{"unknown leads account", func(c *Config) { c.Widgets.LeadsAccount = "nope" }, "widgets.leads_account"},
		{"bad register URL", func(c *Config) { c.EGRUL.BaseURL = "egrul.example" }, "egrul.base_url"},
		{"dashboard name with a dot", func(c *Config) { c.Widgets.Dashboards["../x"] = c.Widgets.Dashboards["avg_bill_ret"] }, "a dashboard name"},
		{"dashboard of unknown kind", func(c *Config) {
			d := c.Widgets.Dashboards["avg_bill_ret"]
			d.Kind = "median"
			c.Widgets.Dashboards["avg_bill_ret"] = d
		}, "avg_bill_ret.kind"},
		{"dashboard without pipelines", func(c *Config) {
			d := c.Widgets.Dashboards["avg_bill_ret"]
			d.Pipelines = nil
			c.Widgets.Dashboards["avg_bill_ret"] = d
		}, "avg_bill_ret.pipelines"},
		{"paid dashboard without pipelines", func(c *Config) {
			d := c.Widgets.Dashboards["success"]
			d.Pipelines = nil
			c.Widgets.Dashboards["success"] = d
		}, "success.pipelines"},
		{"active dashboard over every pipeline", func(c *Config) {
			d := c.Widgets.Dashboards["active_leads_corp"]
			d.Pipelines = nil
			c.Widgets.Dashboards["active_leads_corp"] = d
		}, ""},
		{"active dashboard without users", func(c *Config) {
			d := c.Widgets.Dashboards["active_leads_corp"]
			d.Users = nil
			c.Widgets.Dashboards["active_leads_corp"] = d
		}, "active_leads_corp.users"},
		{"a dashboard named like a date-picker page", func(c *Config) { c.Widgets.Dashboards["x_menu"] = c.Widgets.Dashboards["avg_bill_ret"] }, "x_menu"},
	} {
		cfg, err := Load("example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		tc.edit(cfg)
		err = cfg.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg, _ := Load("example.yaml")
	if d := cfg.Widgets.Dashboards["konversion_retail"]; len(d.Won) != 1 || d.Won[0] != 142 || d.Lost[0] != 143 || cfg.Widgets.DashboardTTL != DefaultDashboardTTL {
		t.Errorf("defaults: %+v ttl %v", d, cfg.Widgets.DashboardTTL)
	}
}

func TestDashboardMenu(t *testing.T) {
	if base, ok := DashboardMenu("konv_ret_all_new_menu"); !ok || base != "konv_ret_all_new" {
		t.Errorf("konv_ret_all_new_menu: %q %v", base, ok)
	}
	if _, ok := DashboardMenu("success"); ok {
		t.Error("success is no menu")
	}
}
