package config

import (
	"fmt"
	"net/netip"
	"time"
)

// Legacy switches on the old systems' URLs, so callers move to amoflow
// without changing anything (README "Migrating from the old URLs"). Every
// group is off unless enabled; a group whose old endpoint had a shared
// secret needs its own key.
type Legacy struct {
	// Wait bounds how long an old synchronous URL waits for its job before
	// answering 202 with the job instead (default 25s, at most 60s).
	Wait time.Duration `yaml:"wait"`

	// The old PHP endpoints.
	CorpLead     LegacyRoute `yaml:"corp_lead"`     // POST /amo/api/corpLead.php?key= (key required)
	Managers     LegacyRoute `yaml:"managers"`      // GET /amo/api/getManagers.php?key= (key required)
	ChangeResp   LegacyRoute `yaml:"change_resp"`   // POST /amo/api/v2/change_resp.php (no key: allow_from advised)
	SupportLeads LegacyRoute `yaml:"support_leads"` // POST /amo/1с/support_leads.php (no key: allow_from advised)
	// The widgets managers use inside amoCRM (widgets.go).
	CompanyEGRUL LegacyRoute `yaml:"company_egrul"` // POST /amo/webhooks/vidget.php (no key: allow_from advised)
	// Widget is GET /amo/widget/lead.php and getLeads.php (key required);
	// browsers may call it from the accounts' amoCRM domains (CORS).
	Widget     LegacyRoute `yaml:"widget"`
	Dashboards LegacyRoute `yaml:"dashboards"` // GET /amo/vidgets/{name}.php (no key: allow_from advised)

	// The old C# endpoints.
	SiteForms LegacyRoute `yaml:"siteforms"` // POST /siteform/retail|corp (public, like /v1/forms)
	// Hooks are the amoCRM hook paths /wh/… and /webhook/…; they carry no
	// token and are guarded like inbound.legacy_webhooks (its allow_from).
	Hooks LegacyRoute `yaml:"hooks"`
	// OneC is /integration/1c/…: the 1C token in X-Amoflow-Token, or
	// ?token= for a caller that cannot send headers.
	OneC LegacyRoute `yaml:"onec"`
	// Home is GET /, which answered "mzpo2amo" (a liveness probe of the
	// old host); CallSorter GET /api/callsorter (telephony, only from
	// allow_from, required); LeadTasks GET /api/leadtasks/{id} and PUT
	// /api/leadtasks (no key, as before: allow_from advised). See
	// lead_tasks.go.
	Home       LegacyRoute `yaml:"home"`
	CallSorter LegacyRoute `yaml:"call_sorter"`
	LeadTasks  LegacyRoute `yaml:"lead_tasks"`
}

// LegacyRoute is one group of old URLs.
type LegacyRoute struct {
	Enabled bool `yaml:"enabled"`
	// Key is the shared secret of the old endpoint (?key=), compared in
	// constant time.
	Key string `yaml:"key"`
	// AllowFrom, when set, limits the group to these client addresses or
	// CIDRs (the client as inbound.trusted_proxies resolve it).
	AllowFrom []string `yaml:"allow_from"`
}

// DefaultLegacyWait is how long an old synchronous URL waits for its job.
const DefaultLegacyWait = 25 * time.Second

func (c *Config) legacyDefaults() {
	if c.Inbound.Legacy.Wait == 0 {
		c.Inbound.Legacy.Wait = DefaultLegacyWait
	}
}

func (c *Config) validateLegacy() error {
	l := c.Inbound.Legacy
	if l.Wait < 0 || l.Wait > time.Minute {
		return fmt.Errorf("inbound.legacy.wait: %v is not between 0 and 1m", l.Wait)
	}
	for name, r := range map[string]LegacyRoute{
		"corp_lead": l.CorpLead, "managers": l.Managers, "change_resp": l.ChangeResp,
		"support_leads": l.SupportLeads, "siteforms": l.SiteForms, "hooks": l.Hooks, "onec": l.OneC,
		"company_egrul": l.CompanyEGRUL, "widget": l.Widget, "dashboards": l.Dashboards,
		"home": l.Home, "call_sorter": l.CallSorter, "lead_tasks": l.LeadTasks,
	} {
		for _, a := range r.AllowFrom {
			if _, err := netip.ParsePrefix(a); err != nil {
				if _, err := netip.ParseAddr(a); err != nil {
					return fmt.Errorf("inbound.legacy.%s.allow_from: %q is neither an address nor a CIDR", name, a)
				}
			}
		}
	}
	for name, r := range map[string]LegacyRoute{"corp_lead": l.CorpLead, "managers": l.Managers, "widget": l.Widget} {
		if r.Enabled && r.Key == "" {
			return fmt.Errorf("inbound.legacy.%s.key: required when the group is enabled (the old URL's ?key=)", name)
		}
	}
	if l.Hooks.Enabled && !c.Inbound.LegacyWebhooks.Enabled {
		return fmt.Errorf("inbound.legacy.hooks: needs inbound.legacy_webhooks enabled (its allow_from guards the old hook paths)")
	}
	if l.OneC.Enabled && c.Inbound.OneCToken == "" {
		return fmt.Errorf("inbound.legacy.onec: needs inbound.onec_token (the old 1C paths take the same token)")
	}
	return c.validateLeadTasks()
}
