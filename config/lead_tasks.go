package config

import "fmt"

// LeadTasks configures the old C# GET /api/leadtasks/{id}: a lead's open
// tasks, each offered with the same result variants (README "Migrating
// from the old URLs").
type LeadTasks struct {
	// Account is the account whose leads are read (the retail one).
	Account string `yaml:"account"`
	// Variants are the results offered for every open task, in order.
	Variants []string `yaml:"variants"`
}

// validateLeadTasks checks the old C# API group's settings: the call
// sorter answers only its telephony's addresses (the old one had them in
// its code), the lead tasks need their account and variants.
func (c *Config) validateLeadTasks() error {
	l := c.Inbound.Legacy
	if l.CallSorter.Enabled && len(l.CallSorter.AllowFrom) == 0 {
		return fmt.Errorf("inbound.legacy.call_sorter.allow_from: required when the group is enabled (the telephony's addresses)")
	}
	lt := c.Widgets.LeadTasks
	if lt.Account != "" {
		if _, ok := c.Accounts[lt.Account]; !ok {
			return fmt.Errorf("widgets.lead_tasks.account: %q is not a configured account", lt.Account)
		}
	}
	if l.LeadTasks.Enabled && (lt.Account == "" || len(lt.Variants) == 0) {
		return fmt.Errorf("widgets.lead_tasks: account and variants are required when inbound.legacy.lead_tasks is enabled")
	}
	return nil
}
