package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
)

// PPIE names a new lead of the PPIE account "Новая сделка" (the account's
// lead_name) and, when it came from WhatsApp (guards.ppie.whatsapp_tag)
// and its chat started with the bot (an incoming chat message from
// guards.ppie.bot_origin), puts it in the models stage
// (docs/flows.md#ppie). The account is optional: without accounts.ppie the
// starter refuses the webhook, so no job is ever stored for it.
//
// amoCRM calls: 1 read + 0-1 events list + 0-1 update.
func (f *Flows) PPIE(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.ppie)
}

func (f *Flows) ppie(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	var rule struct {
		config.PPIE
		LeadName string
	}
	if err := workflow.SideEffect(ctx, func(workflow.Context) any {
		out := rule
		out.PPIE = f.Config.Guards.PPIE
		if a, ok := f.Config.Accounts[ev.Account]; ok && a != nil {
			out.LeadName = a.LeadName
		}
		return out
	}).Get(&rule); err != nil {
		return nil, err
	}
	n := needs{s: s}
	p := n.account(ev.Account)
	pipeline := n.id(p, "pipelines", "models")
	status := n.id(p, "statuses", "models_new")
	for key, v := range map[string]string{"guards.ppie.whatsapp_tag": rule.WhatsAppTag, "guards.ppie.bot_origin": rule.BotOrigin, "accounts." + ev.Account + ".lead_name": rule.LeadName} {
		if v == "" {
			n.missing = append(n.missing, key)
		}
	}
	slices.Sort(n.missing)
	if err := n.err(); err != nil {
		return nil, err
	}
	pctx := amoOptions(ctx, p.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	lead, ok, err := readHookLead(ctx, pctx, activities.ReadInput{Account: p.Account, ID: ev.ID}, res)
	if !ok {
		return hookDone(res, err)
	}
	fromBot := false
	if ppieHasTag(lead.Tags, rule.WhatsAppTag) {
		var origins []string
		if err := workflow.ExecuteActivity(pctx, amo.ChatOrigins, activities.ChatOriginsInput{Account: p.Account, LeadID: lead.ID}).Get(ctx, &origins); err != nil {
			return nil, err
		}
		fromBot = slices.Contains(origins, rule.BotOrigin)
	}
	up, ok := ppiePlan(lead.Lead, rule.LeadName, fromBot, pipeline, status)
	if !ok {
		res.Skipped = "the lead is named and placed already"
		return res, nil
	}
	up.Account = p.Account
	return hookDone(res, patchHookLead(ctx, pctx, up, res))
}
