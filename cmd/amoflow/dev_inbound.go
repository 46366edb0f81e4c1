package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"

	"amoflow/config"
	"amoflow/egrul"
	"amoflow/egrul/egrulfake"
)

// Development secrets of amoflow dev: every inbound route is on, so each
// old URL can be tried locally (README "Migrating from the old URLs").
const (
	devLegacyKey    = "dev-lk-key"        // ?key= of the corporate LK's old URLs
	devWidgetKey    = "dev-widget-key"    // ?key= of the amoCRM widgets' old URLs
	devWebhookToken = "dev-webhook-token" // ?token= of /v1/amo/webhooks/{method}
	devOneCToken    = "dev-1c-token"      // X-Amoflow-Token of /v1/1c/…
)

// devInbound turns every inbound route on: the webhook and 1C tokens and
// every group of old URLs, with development secrets (those configured are
// kept); the old hook paths accept this machine.
func devInbound(cfg *config.Config) {
	in := &cfg.Inbound
	if in.WebhookToken == "" {
		in.WebhookToken = devWebhookToken
	}
	if in.OneCToken == "" {
		in.OneCToken = devOneCToken
	}
	l := &in.Legacy
	for g, key := range map[*config.LegacyRoute]string{&l.CorpLead: devLegacyKey, &l.Managers: devLegacyKey, &l.Widget: devWidgetKey} {
		g.Enabled = true
		if g.Key == "" {
			g.Key = key
		}
	}
	for _, g := range []*config.LegacyRoute{&l.ChangeResp, &l.SupportLeads, &l.SiteForms, &l.Hooks, &l.OneC,
		&l.CompanyEGRUL, &l.Dashboards} {
		g.Enabled = true
	}
	if !in.LegacyWebhooks.Enabled {
		in.LegacyWebhooks = config.LegacyWebhooks{Enabled: true, AllowFrom: []string{"127.0.0.0/8", "::1"}}
	}
	devLegacyAPI(cfg)
}

// devLegacyAPI turns the old C# host's own API on (GET /, the call sorter,
// the lead tasks); the call sorter also answers this machine, besides the
// telephony's configured addresses.
func devLegacyAPI(cfg *config.Config) {
	l := &cfg.Inbound.Legacy
	l.Home.Enabled, l.CallSorter.Enabled, l.LeadTasks.Enabled = true, true, true
	for _, a := range []string{"127.0.0.0/8", "::1"} {
		if !slices.Contains(l.CallSorter.AllowFrom, a) {
			l.CallSorter.AllowFrom = append(l.CallSorter.AllowFrom, a)
		}
	}
	lt := &cfg.Widgets.LeadTasks
	if lt.Account == "" {
		lt.Account = cfg.Widgets.LeadsAccount
	}
	if len(lt.Variants) == 0 {
		lt.Variants = []string{"Отправлено КП", "Взято в работу", "Получена оплата"}
	}
}

// devEGRULCompany is the record the dev register holds, for the company
// widget's example.
var devEGRULCompany = egrul.Company{INN: "7701234567", OGRN: "1027700132195", KPP: "770101001", Email: "info@romashka.example",
	ShortName: "ООО \"РОМАШКА\"", FullName: "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"РОМАШКА\"",
	Address: "101000, Москва, Мясницкая ул 1"}

// startDevEGRUL serves the fake company register when no register is
// configured or amoCRM is the fake one (a fake account never asks the
// real register).
func startDevEGRUL(ctx context.Context, cfg *config.Config, fakeAmo bool) error {
	if cfg.EGRUL.BaseURL != "" && !fakeAmo {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:8092")
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("fake EGRUL: %w", err)
		}
	}
	fake := egrulfake.New()
	fake.Put(devEGRULCompany)
	go func() { _ = serveUntil(ctx, ln, fake) }()
	cfg.EGRUL.BaseURL = "http://" + ln.Addr().String() + "/"
	slog.Info("dev: fake EGRUL", "base_url", cfg.EGRUL.BaseURL, "inn", devEGRULCompany.INN)
	return nil
}

// printExamples prints one curl per kind of caller: a site form, an amoCRM
// webhook, 1C, and the old URLs.
func printExamples(cfg *config.Config) {
	api, in, retail := cfg.HTTP.PublicURL, cfg.Inbound, ""
	if a, ok := cfg.Accounts[cfg.Widgets.LeadsAccount]; ok {
		retail = a.Subdomain
	}
	fmt.Printf("\nA site form (a lead in amoCRM):\n\n")
	fmt.Printf("  curl -s -X POST %s/v1/forms -d name=Мария -d phone='8 (916) 123-45-67' \\\n", api)
	fmt.Printf("       -d email=maria@example.ru -d comment='Перезвоните' -d form_name_site='Заявка с формы Записаться mzpo-s.ru'\n\n")
	fmt.Printf("then open the status_url it prints (add ?wait=10s), or the workflow in the Temporal UI.\n\n")
	fmt.Printf("An amoCRM webhook (webhook_token %s):\n\n", in.WebhookToken)
	fmt.Printf("  curl -s -X POST '%s/v1/amo/webhooks/processevents?token=%s' -d 'leads[add][0][id]=1' -d 'account[subdomain]=%s'\n\n", api, in.WebhookToken, retail)
	fmt.Printf("1C (onec_token %s):\n\n", in.OneCToken)
	fmt.Printf("  curl -s -X POST %s/v1/1c/clients -H 'X-Amoflow-Token: %s' -H 'Content-Type: application/json' \\\n", api, in.OneCToken)
	fmt.Printf("       -d '{\"name\":\"Иван Петров\",\"phone\":\"+79161234567\",\"email\":\"ivan@example.ru\"}'\n\n")
	fmt.Printf("The old URLs answer as before (README \"Migrating from the old URLs\"; keys %s, %s), e.g. the corporate LK's:\n\n",
		in.Legacy.CorpLead.Key, in.Legacy.Widget.Key)
	fmt.Printf("  curl -s -X POST '%s/amo/api/corpLead.php?key=%s' -d inn=7701234567 -d company='ООО Ромашка' \\\n", api, in.Legacy.CorpLead.Key)
	fmt.Printf("       -d name=Иван -d surname=Петров -d phone='+7 916 777-66-55' -d post=Директор -d manager_id=2375116\n\n")
	fmt.Printf("  and a dashboard: %s/amo/vidgets/konv_ret_all.php?date_from=false&date_to=false\n", api)
	fmt.Printf("  (with a date picker: %s/amo/vidgets/success_menu.php), a 1C notice, kept for amoflow notices:\n\n", api)
	fmt.Printf("  curl -s -X POST '%s/integration/1c/paymentreceived?token=%s' -H 'Content-Type: application/json' -d '{\"sum\":15000}'\n\n",
		api, in.OneCToken)
	fmt.Printf("  and the old C# host's: %s/api/callsorter (0, 1, 0…), %s/api/leadtasks/{lead id} (its open tasks)\n\n", api, api)
	if cfg.Ucheba.Enabled {
		fmt.Printf("The ucheba.ru import (README \"ucheba.ru import\"): schedule %s in the UI's Schedules; import yesterday now with\n\n", cfg.Ucheba.Schedule.ID)
		fmt.Printf("  curl -s %s/wh/nightly      or      amoflow import ucheba --date YYYY-MM-DD\n\n", api)
	}
}
