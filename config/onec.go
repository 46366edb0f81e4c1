package config

import (
	"fmt"
	"time"
)

// applyOneCDefaults fills the 1C settings. The account names default to
// retail and corp only when those accounts exist.
func (c *Config) applyOneCDefaults() {
	o := &c.OneC
	setDefault(&o.PartnerKeys, "lower")
	if o.RetryFor == 0 {
		o.RetryFor = 30 * time.Minute
	}
	if o.EchoTTL == 0 {
		o.EchoTTL = 2 * time.Minute
	}
	if o.UnsureWait == 0 {
		o.UnsureWait = 7 * 24 * time.Hour
	}
	if _, ok := c.Accounts["retail"]; ok && o.RetailAccount == "" {
		o.RetailAccount = "retail"
	}
	if _, ok := c.Accounts["corp"]; ok && o.CorporateAccount == "" {
		o.CorporateAccount = "corp"
	}
	if len(o.CourseAccounts) == 0 {
		for _, n := range []string{o.CorporateAccount, o.RetailAccount} {
			if n != "" {
				o.CourseAccounts = append(o.CourseAccounts, n)
			}
		}
	}
	setDefault(&o.StudyGroups.Tag, "1с_группы")
	setDefault(&o.StudyGroups.StudyForm, "Очная")
	setDefault(&o.StudyGroups.StudyType, "Групповой")
	for _, a := range c.Accounts {
		if a == nil {
			continue
		}
		if a.OneC.TaskDueHour == 0 {
			a.OneC.TaskDueHour = 12
		}
		if a.OneC.TaskResponsible == 0 {
			a.OneC.TaskResponsible = a.DefaultResponsible
		}
		if a.OneC.TaskTypeID == 0 {
			a.OneC.TaskTypeID = 1 // "Связаться", present in every account
		}
	}
}

func (c *Config) validateOneC() error {
	o := c.OneC
	if o.PartnerKeys != "lower" && o.PartnerKeys != "upper" {
		return fmt.Errorf("onec.partner_keys: %q, want lower or upper", o.PartnerKeys)
	}
	if o.RetryFor < 0 || o.EchoTTL < 0 || o.Timeout < 0 || o.UnsureWait < 0 {
		return fmt.Errorf("onec: durations must not be negative")
	}
	for key, name := range map[string]string{"onec.retail_account": o.RetailAccount, "onec.corporate_account": o.CorporateAccount} {
		if _, ok := c.Account(name); name != "" && !ok {
			return fmt.Errorf("%s: account %q is not configured", key, name)
		}
	}
	for _, name := range o.CourseAccounts {
		if _, ok := c.Account(name); !ok {
			return fmt.Errorf("onec.course_accounts: account %q is not configured", name)
		}
	}
	for org, name := range o.OrganizationAccounts {
		if _, ok := c.Account(name); !ok {
			return fmt.Errorf("onec.organization_accounts.%s: account %q is not configured", org, name)
		}
	}
	if o.SenseiCallbackURL != "" {
		if err := checkURL(o.SenseiCallbackURL); err != nil {
			return fmt.Errorf("onec.sensei_callback_url: %v", err)
		}
	}
	for _, name := range c.AccountNames() {
		if h := c.Accounts[name].OneC.TaskDueHour; h < 0 || h > 23 {
			return fmt.Errorf("accounts.%s.onec.task_due_hour: %d is not an hour", name, h)
		}
	}
	return nil
}
