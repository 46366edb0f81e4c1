package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
)

// amoSettings is the part of one account's configuration the webhook flows
// use, recorded in the workflow history (see Flows.hookSettings).
type amoSettings struct {
	Account            string
	TaskQueue          string
	Intake             config.Stage
	DefaultResponsible int64
	LeadFields         map[string]int64
	Pipelines          map[string]int64
	Statuses           map[string]int64
	Users              map[string]int64
	Tags               map[string]int64
	ManagerPool        []int64
	// CompanyFields: ret2corp finds a retail company in the corporate
	// account by its INN (company_fields.inn).
	CompanyFields map[string]int64
}

// hookSettings is every account's settings, by config key.
type hookSettings struct {
	SearchAttributes bool
	Accounts         map[string]amoSettings
}

// hookSettings snapshots the configuration into the history once per run,
// so a replay sees the ids the run saw even if the file changed since.
func (f *Flows) hookSettings(ctx workflow.Context) (hookSettings, error) {
	var s hookSettings
	enc := workflow.SideEffect(ctx, func(workflow.Context) any {
		out := hookSettings{SearchAttributes: f.Config.Temporal.SearchAttributes, Accounts: map[string]amoSettings{}}
		for _, name := range f.Config.AccountNames() {
			a := f.Config.Accounts[name]
			out.Accounts[name] = amoSettings{
				Account:            a.Name,
				TaskQueue:          a.TaskQueue(f.Config.Temporal.TaskQueue),
				Intake:             a.Intake,
				DefaultResponsible: a.DefaultResponsible,
				LeadFields:         a.LeadFields,
				Pipelines:          a.Pipelines,
				Statuses:           a.Statuses,
				Users:              a.Users,
				Tags:               a.Tags,
				ManagerPool:        a.ManagerPool,
				CompanyFields:      a.CompanyFields,
			}
		}
		return out
	})
	err := enc.Get(&s)
	return s, err
}

// needs collects the configuration a flow requires, so that one error
// names every missing key ("accounts.corp.lead_fields.ret_id") and the flow
// fails before it changes anything.
type needs struct {
	s       hookSettings
	missing []string
}

// account is the account's settings.
func (n *needs) account(name string) amoSettings {
	a, ok := n.s.Accounts[name]
	if !ok {
		n.missing = append(n.missing, "accounts."+name)
		return amoSettings{Account: name}
	}
	return a
}

// id is a required id of section (lead_fields, pipelines, statuses, users).
func (n *needs) id(a amoSettings, section, key string) int64 {
	var m map[string]int64
	switch section {
	case "lead_fields":
		m = a.LeadFields
	case "pipelines":
		m = a.Pipelines
	case "statuses":
		m = a.Statuses
	case "users":
		m = a.Users
	}
	if m[key] == 0 {
		n.missing = append(n.missing, fmt.Sprintf("accounts.%s.%s.%s", a.Account, section, key))
	}
	return m[key]
}

// pool is the account's required manager pool.
func (n *needs) pool(a amoSettings) []int64 {
	if len(a.ManagerPool) == 0 {
		n.missing = append(n.missing, "accounts."+a.Account+".manager_pool")
	}
	return a.ManagerPool
}

func (n *needs) err() error {
	if len(n.missing) == 0 {
		return nil
	}
	return temporal.NewNonRetryableApplicationError("configuration missing: "+strings.Join(n.missing, ", "), activities.ErrConfigMissing, nil)
}

// tag resolves a tag name in the account: by id when configured, else by
// name only (amoCRM finds or creates it there).
func (a amoSettings) tag(name string) activities.Tag {
	return activities.Tag{ID: a.Tags[name], Name: name}
}

// HookResult is what a webhook flow reports (in HandleWebhook's result).
type HookResult struct {
	// Skipped says why nothing was (left to be) done; empty when the flow acted.
	Skipped string `json:"skipped,omitempty"`
	// LeadID or ContactID is the entity the hook was about.
	LeadID    int64 `json:"lead_id,omitempty"`
	ContactID int64 `json:"contact_id,omitempty"`
	// TargetLeadID is the lead made or changed elsewhere (the corporate
	// lead of ret2corp, the retail lead of corp2ret, …).
	TargetLeadID int64 `json:"target_lead_id,omitempty"`
	// TargetContactID is the contact in the other account (ret2corp).
	TargetContactID int64 `json:"target_contact_id,omitempty"`
	// Created is true when this run created TargetLeadID (false: found from
	// an earlier run or delivery).
	Created bool `json:"created,omitempty"`
	// Changed is true when this run wrote anything to amoCRM.
	Changed bool `json:"changed,omitempty"`
}
