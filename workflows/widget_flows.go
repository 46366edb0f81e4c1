package workflows

// The widget flows serve the old PHP widgets managers use inside amoCRM
// (README "Migrating from the old URLs"): the company filled from the
// register (vidget.php), a lead's remote manager (lead.php), a contact's
// leads (getLeads.php) and the dashboards (/amo/vidgets/*.php). They
// arrive as 1C-kind jobs; the starter waits for the reads' results. Their
// names are in registry.go, their options in options.go.

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"

	"amoflow/config"
)

// widgetFlows names them, for the workflows' summaries in the UI.
var widgetFlows = map[string]bool{CompanyFromEGRULName: true, RemoteManagerName: true, ContactLeadsName: true, DashboardName: true,
	LeadTasksName: true}

// widgetSettings is the configuration the widget flows read, recorded in
// the history once per run.
type widgetSettings struct {
	CompanyAccount string
	LeadsAccount   string
	LeadsPipelines []int64
	SenseiStartURL string
	Dashboards     map[string]config.Dashboard
}

func (f *Flows) widgetSettings(ctx workflow.Context) (widgetSettings, error) {
	var s widgetSettings
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		w := f.Config.Widgets
		return widgetSettings{CompanyAccount: w.CompanyAccount, LeadsAccount: w.LeadsAccount, LeadsPipelines: w.LeadsPipelines,
			SenseiStartURL: w.SenseiStartURL, Dashboards: w.Dashboards}
	}).Get(&s)
	return s, err
}

// widgetSetup reads the widget settings and the account the widget works
// in (named by pick).
func (f *Flows) widgetSetup(ctx workflow.Context, pick func(widgetSettings) string) (widgetSettings, onecAccount, error) {
	s, err := f.widgetSettings(ctx)
	if err != nil {
		return s, onecAccount{}, err
	}
	o, err := f.onecSettings(ctx)
	if err != nil {
		return s, onecAccount{}, err
	}
	acct, err := o.account(pick(s))
	return s, acct, err
}

// missingKeys fails a flow that lacks configuration, naming every key.
func missingKeys(keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return temporal.NewNonRetryableApplicationError("configuration missing: "+strings.Join(keys, ", "), activities.ErrConfigMissing, nil)
}

// fieldKey returns the id of accounts.{account}.{section}.{key}, adding
// the key to missing when it is not configured.
func fieldKey(missing *[]string, account, section string, fields map[string]int64, key string) int64 {
	if fields[key] == 0 {
		*missing = append(*missing, fmt.Sprintf("accounts.%s.%s.%s", account, section, key))
	}
	return fields[key]
}
