package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// EGRUL is the Russian company register service the company widget reads
// by INN (GET {base_url}{inn}.json).
type EGRUL struct {
	// BaseURL ends in "/"; empty: no register (the company widget's jobs
	// fail with a readable reason; amoflow dev starts a fake instead).
	BaseURL string        `yaml:"base_url"`
	Timeout time.Duration `yaml:"timeout"`
}

// Widgets configures what the old PHP widgets inside amoCRM read and write
// (README "Migrating from the old URLs"). Every id is the account's own.
type Widgets struct {
	// CompanyAccount is the account whose companies vidget.php fills from
	// the register (the corporate one); the fields are its company_fields
	// ogrn, kpp, email and address.
	CompanyAccount string `yaml:"company_account"`
	// LeadsAccount is the account of getLeads.php (a contact's leads) and
	// lead.php (the remote manager of a lead): the retail one.
	LeadsAccount string `yaml:"leads_account"`
	// LeadsPipelines are the pipelines whose leads getLeads.php lists.
	LeadsPipelines []int64 `yaml:"leads_pipelines"`
	// SenseiStartURL is the Sensei process lead.php starts for the lead
	// (?lead_id= is added); empty: none is started.
	SenseiStartURL string `yaml:"sensei_start_url"`
	// DashboardTTL is how long a dashboard's figures for one date range are
	// served from the finished job before amoCRM is read again (default 2h).
	DashboardTTL time.Duration `yaml:"dashboard_ttl"`
	// Dashboards are the /amo/vidgets/{name}.php pages, by name.
	Dashboards map[string]Dashboard `yaml:"dashboards"`
	// LeadTasks is what GET /api/leadtasks/{id} reads (lead_tasks.go).
	LeadTasks LeadTasks `yaml:"lead_tasks"`
}

// Dashboard is one figure over the leads created in a date range.
type Dashboard struct {
	Title   string `yaml:"title"`
	Account string `yaml:"account"`
	// Kind is "conversion" (won / (won + lost) in %), "average_bill"
	// (the mean price of the won leads), "paid" (the leads that entered a
	// Won stage in the range and are still in one: count and sum, split by
	// when they were created) or "active" (per user, the open leads
	// updated in the range; Pipelines may be empty: all).
	Kind      string  `yaml:"kind"`
	Pipelines []int64 `yaml:"pipelines"`
	// Won and Lost are the status ids counted as such (default 142 and 143).
	Won  []int64 `yaml:"won"`
	Lost []int64 `yaml:"lost"`
	// OpenCountsAsLost counts leads still open in the denominator.
	OpenCountsAsLost bool `yaml:"open_counts_as_lost"`
	// Users, when set, gives one row per responsible user (in this order)
	// and a total row; names come from amoCRM.
	Users []int64 `yaml:"users"`
	// SkipLossField / SkipLossValues: a lost lead whose lead field (id)
	// holds one of these values (duplicates, spam) is not counted.
	SkipLossField  int64    `yaml:"skip_loss_field"`
	SkipLossValues []string `yaml:"skip_loss_values"`
	// Good is the value from which the figure shows green (else red).
	Good float64 `yaml:"good"`
}

// Dashboard kinds.
const (
	DashboardConversion  = "conversion"
	DashboardAverageBill = "average_bill"
	DashboardPaid        = "paid"
	DashboardActive      = "active"
)

// DefaultDashboardTTL is how long a dashboard answer is reused.
const DefaultDashboardTTL = 2 * time.Hour

func (c *Config) widgetDefaults() {
	if c.Widgets.DashboardTTL == 0 {
		c.Widgets.DashboardTTL = DefaultDashboardTTL
	}
	if c.EGRUL.Timeout == 0 {
		c.EGRUL.Timeout = 10 * time.Second
	}
	for name, d := range c.Widgets.Dashboards {
		if len(d.Won) == 0 {
			d.Won = []int64{142}
		}
		if len(d.Lost) == 0 {
			d.Lost = []int64{143}
		}
		c.Widgets.Dashboards[name] = d
	}
}

func (c *Config) validateWidgets() error {
	if c.EGRUL.BaseURL != "" {
		if u, err := url.Parse(c.EGRUL.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("egrul.base_url: %q is not an http(s) URL", c.EGRUL.BaseURL)
		}
	}
	if c.Widgets.SenseiStartURL != "" {
		if u, err := url.Parse(c.Widgets.SenseiStartURL); err != nil || u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("widgets.sensei_start_url: %q is not an http(s) URL", c.Widgets.SenseiStartURL)
		}
	}
	l := c.Inbound.Legacy
	for key, acct := range map[string]string{"widgets.company_account": c.Widgets.CompanyAccount, "widgets.leads_account": c.Widgets.LeadsAccount} {
		if acct != "" {
			if _, ok := c.Accounts[acct]; !ok {
				return fmt.Errorf("%s: %q is not a configured account", key, acct)
			}
		}
	}
	if l.CompanyEGRUL.Enabled && c.Widgets.CompanyAccount == "" {
		return fmt.Errorf("widgets.company_account: required when inbound.legacy.company_egrul is enabled")
	}
	if l.Widget.Enabled && c.Widgets.LeadsAccount == "" {
		return fmt.Errorf("widgets.leads_account: required when inbound.legacy.widget is enabled")
	}
	for name, d := range c.Widgets.Dashboards {
		key := "widgets.dashboards." + name
		if !dashboardName(name) {
			return fmt.Errorf("%s: a dashboard name is letters, digits and _ only", key)
		}
		if _, ok := c.Accounts[d.Account]; !ok {
			return fmt.Errorf("%s.account: %q is not a configured account", key, d.Account)
		}
		kinds := []string{DashboardConversion, DashboardAverageBill, DashboardPaid, DashboardActive}
		if !slices.Contains(kinds, d.Kind) {
			return fmt.Errorf("%s.kind: %q is none of %s", key, d.Kind, strings.Join(kinds, ", "))
		}
		if len(d.Pipelines) == 0 && d.Kind != DashboardActive {
			return fmt.Errorf("%s.pipelines: at least one pipeline", key)
		}
		if len(d.Users) == 0 && d.Kind == DashboardActive {
			return fmt.Errorf("%s.users: an %s dashboard has a row per user: list them", key, DashboardActive)
		}
		if strings.HasSuffix(name, dashboardMenu) {
			return fmt.Errorf("%s: names ending in %s are the date-picker page of the dashboard before it", key, dashboardMenu)
		}
	}
	return nil
}

// dashboardMenu ends the name of a dashboard's page with a date picker
// (/amo/vidgets/{name}_menu.php, as the old success_menu.php and
// konv_ret_all_new_menu.php were).
const dashboardMenu = "_menu"

// DashboardMenu returns the dashboard a {name}_menu page shows.
func DashboardMenu(name string) (string, bool) {
	return strings.CutSuffix(name, dashboardMenu)
}

// dashboardName reports whether name can be a path segment of
// /amo/vidgets/{name}.php.
func dashboardName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
