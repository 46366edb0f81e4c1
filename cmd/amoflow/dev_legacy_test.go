package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"amoflow/config"
)

// amoflow dev turns every inbound route on, and the result is a valid
// configuration (each keyed group has its key, the hook paths their guard).
func TestDevInboundValidates(t *testing.T) {
	cfg, err := config.Load("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	devInbound(cfg)
	in := cfg.Inbound
	l := in.Legacy
	for name, g := range map[string]config.LegacyRoute{"corp_lead": l.CorpLead, "managers": l.Managers, "change_resp": l.ChangeResp,
		"support_leads": l.SupportLeads, "siteforms": l.SiteForms, "hooks": l.Hooks, "onec": l.OneC,
		"company_egrul": l.CompanyEGRUL, "widget": l.Widget, "dashboards": l.Dashboards,
		"home": l.Home, "call_sorter": l.CallSorter, "lead_tasks": l.LeadTasks} {
		if !g.Enabled {
			t.Errorf("inbound.legacy.%s is off in dev", name)
		}
	}
	if l.CorpLead.Key != devLegacyKey || l.Widget.Key != devWidgetKey || in.WebhookToken != devWebhookToken || in.OneCToken != devOneCToken {
		t.Errorf("dev secrets: %+v", in)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("dev configuration: %v", err)
	}
	// The call sorter answers this machine and keeps the telephony's addresses.
	if cs := l.CallSorter.AllowFrom; !slices.Contains(cs, "127.0.0.0/8") || !slices.Contains(cs, "212.193.100.155") {
		t.Errorf("dev call_sorter.allow_from %v", cs)
	}
	// A configured secret is kept.
	cfg.Inbound.WebhookToken, cfg.Inbound.Legacy.Widget.Key = "mine", "mine too"
	devInbound(cfg)
	if cfg.Inbound.WebhookToken != "mine" || cfg.Inbound.Legacy.Widget.Key != "mine too" {
		t.Errorf("configured secrets replaced")
	}
}

// The banner shows one curl per kind of caller with the secrets dev set.
func TestDevBannerHasOneCurlPerKind(t *testing.T) {
	cfg, err := config.Load("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	devInbound(cfg)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	printExamples(cfg)
	os.Stdout = stdout
	_ = w.Close()
	out, _ := io.ReadAll(r)
	for _, want := range []string{"/v1/forms", "/v1/amo/webhooks/processevents?token=" + devWebhookToken,
		"/v1/1c/clients -H 'X-Amoflow-Token: " + devOneCToken, "/amo/api/corpLead.php?key=" + devLegacyKey, devWidgetKey, "/amo/vidgets/",
		"/amo/vidgets/success_menu.php", "/integration/1c/paymentreceived?token=" + devOneCToken, "/api/callsorter", "/api/leadtasks/"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
}
