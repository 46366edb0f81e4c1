package e2e

import (
	"net/http"
	"testing"

	"amoflow/amofake"
	"amoflow/config"
	"amoflow/workflows"
)

// ppie end to end: refused without its account, working with one.

func TestWebhookPPIE(t *testing.T) {
	// Without accounts.ppie (as in config/example.yaml): refused, nothing stored.
	plain := newHookHarness(t)
	if code, _ := plain.post("/v1/amo/webhooks/ppie?token="+hookToken, "leads[add][0][id]=5"); code != http.StatusNotFound {
		t.Errorf("ppie without its account: %d, want 404", code)
	}

	const sub = "ppieinstitute"
	h := &hookHarness{harness: newHarness(t, func(cfg *config.Config) {
		cfg.Inbound.WebhookToken = hookToken
		cfg.Accounts["ppie"] = &config.Account{Name: "ppie", Subdomain: sub, AccountID: 29490250, RPS: 2, LeadName: "Новая сделка",
			ClientID: "x", ClientSecret: "y", RedirectURI: "https://example.test/oauth/callback",
			Pipelines: map[string]int64{"models": 4647979}, Statuses: map[string]int64{"models_new": 42656578}}
	})}
	bot := h.fake.AddLead(sub, amofake.Lead{ID: freshID(), Name: "Сделка из WhatsApp", PipelineID: 4600001, StatusID: 1, Tags: []amofake.Tag{{Name: "WA"}}})
	h.fake.AddEvent(sub, amofake.Event{Type: "incoming_chat_message", EntityType: "lead", EntityID: bot,
		ValueAfter: []any{map[string]any{"message": map[string]any{"id": "m1", "origin": "wahelp.whatbot.1"}}}})
	plainLead := h.fake.AddLead(sub, amofake.Lead{ID: freshID(), Name: "Звонок", PipelineID: 4600001, StatusID: 1})
	h.fake.ResetCalls()

	_, res := h.deliver("ppie", accountHook("leads", "add", bot, 1764687600, "29490250", sub, nil))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "ppie")
	l, _ := h.fake.Lead(sub, bot)
	if l.Name != "Новая сделка" || l.PipelineID != 4647979 || l.StatusID != 42656578 || len(h.apiCalls(sub)) != 3 {
		t.Errorf("from the bot: %q %d/%d, calls %v", l.Name, l.PipelineID, l.StatusID, h.apiCalls(sub))
	}
	_, res = h.deliver("ppie", accountHook("leads", "add", plainLead, 1764687601, "29490250", sub, nil))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	l, _ = h.fake.Lead(sub, plainLead)
	if l.Name != "Новая сделка" || l.PipelineID != 4600001 || !r.Changed {
		t.Errorf("without the tag: %q %d (%+v), want renamed only", l.Name, l.PipelineID, r)
	}
}
