package config

import (
	"fmt"
	"slices"
	"time"
)

// Modes of an account (accounts.*.mode) and of 1C (onec.mode).
const (
	ModeLive   = "live"
	ModeShadow = "shadow"
)

// Shadow keeps the writes that shadow mode planned instead of sending (README
// "Shadow mode"): they hold personal data, so they are sealed with the token
// key when one is configured and purged after Retention.
type Shadow struct {
	// Retention is how long a planned write is kept (default 720h, 30 days).
	Retention time.Duration `yaml:"retention"`
}

// Shadowed reports whether the account plans its writes instead of sending
// them: every flow (mode: shadow) or only the listed ones (shadow_flows).
func (a *Account) Shadowed() bool {
	return a.Mode == ModeShadow || len(a.ShadowFlows) > 0
}

// ShadowsFlow reports whether the account's writes from the workflow type
// flow are planned instead of sent.
func (a *Account) ShadowsFlow(flow string) bool {
	return a.Mode == ModeShadow || slices.Contains(a.ShadowFlows, flow)
}

// AnyShadow reports whether some account plans some of its writes.
func (c *Config) AnyShadow() bool {
	for _, a := range c.Accounts {
		if a != nil && a.Shadowed() {
			return true
		}
	}
	return false
}

// ShadowFlows is every flow listed in some account's shadow_flows: the 1C
// writes of these flows are planned too (1C has no account of its own).
func (c *Config) ShadowFlows() []string {
	var out []string
	for _, name := range c.AccountNames() {
		if a := c.Accounts[name]; a != nil {
			for _, f := range a.ShadowFlows {
				if !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// shadowDefaults makes 1C follow the accounts: while any account is in
// shadow mode and onec.mode is not set, 1C writes are planned too, so no
// shadowed flow reaches the real 1C by omission.
func (c *Config) shadowDefaults() {
	for _, a := range c.Accounts {
		if a == nil {
			continue
		}
		setDefault(&a.Mode, ModeLive)
		if a.Mode == ModeShadow && c.OneC.Mode == "" {
			c.OneC.Mode = ModeShadow
		}
	}
	setDefault(&c.OneC.Mode, ModeLive)
	if c.Shadow.Retention == 0 {
		c.Shadow.Retention = 30 * 24 * time.Hour
	}
}

// validateShadow checks the modes: a shadow account next to a live 1C would
// write to 1C what its amoCRM writes only plan, so that is refused.
func (c *Config) validateShadow() error {
	for _, name := range c.AccountNames() {
		a := c.Accounts[name]
		key := "accounts." + name
		if a.Mode != ModeLive && a.Mode != ModeShadow {
			return fmt.Errorf("%s.mode: %q is neither live nor shadow", key, a.Mode)
		}
		if a.Mode == ModeShadow && len(a.ShadowFlows) > 0 {
			return fmt.Errorf("%s.shadow_flows: the account is in shadow mode as a whole; list flows only on a live account", key)
		}
		for _, f := range a.ShadowFlows {
			if f == "" {
				return fmt.Errorf("%s.shadow_flows: empty flow name", key)
			}
		}
		if a.Mode == ModeShadow && c.OneC.Mode != ModeShadow && c.OneC.BaseURL != "" {
			return fmt.Errorf("onec.mode: live while %s.mode is shadow would send 1C writes of flows whose amoCRM writes are only planned; set onec.mode: shadow (or leave it unset)", key)
		}
	}
	if c.OneC.Mode != ModeLive && c.OneC.Mode != ModeShadow {
		return fmt.Errorf("onec.mode: %q is neither live nor shadow", c.OneC.Mode)
	}
	if c.Shadow.Retention < time.Hour {
		return fmt.Errorf("shadow.retention: %v is shorter than an hour; the report compares a day of writes", c.Shadow.Retention)
	}
	return nil
}
