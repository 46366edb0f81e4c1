package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
)

// formSettings is the part of an account's configuration a site form needs,
// recorded in the workflow history (see Flows.formSettings).
type formSettings struct {
	Account            string
	TaskQueue          string
	LeadName           string
	Intake             config.Stage
	DefaultResponsible int64
	ExcludedPipelines  []int64
	ExcludedStatuses   []int64
	FormFields         map[string]int64
	FormTags           []config.TagRule
	Tags               map[string]int64
	SearchAttributes   bool
	// FormResponsible: the form's responsible field names the lead's responsible.
	FormResponsible bool
	// SiteForm are the webinar, event, tag and company rules; LeadFields
	// the lead fields they write (organization, event_datetime).
	SiteForm   config.SiteForm
	LeadFields map[string]int64
	// Extras says the run applies SiteForm, organization, date and the
	// type fallback: false in runs started before they existed
	// (formExtras), which must replay as they ran.
	Extras bool `json:"-"`
	// Register says the run registers a webinar_id form on webinar.ru
	// (formExtras version 2).
	Register bool `json:"-"`
}

// formSettings snapshots the account's settings into the history once per run.
func (f *Flows) formSettings(ctx workflow.Context, account string) (formSettings, error) {
	var s formSettings
	enc := workflow.SideEffect(ctx, func(workflow.Context) any {
		a, ok := f.Config.Account(account)
		if !ok {
			return formSettings{}
		}
		return formSettings{
			Account:            a.Name,
			TaskQueue:          a.TaskQueue(f.Config.Temporal.TaskQueue),
			LeadName:           a.LeadName,
			Intake:             a.Intake,
			DefaultResponsible: a.DefaultResponsible,
			ExcludedPipelines:  a.Merge.ExcludedPipelines,
			ExcludedStatuses:   a.Merge.ExcludedStatuses,
			FormFields:         a.FormFields,
			FormTags:           a.FormTags,
			Tags:               a.Tags,
			SearchAttributes:   f.Config.Temporal.SearchAttributes,
			FormResponsible:    a.FormResponsible,
			SiteForm:           a.SiteForm,
			LeadFields:         a.LeadFields,
		}
	})
	if err := enc.Get(&s); err != nil {
		return s, err
	}
	if s.Account == "" {
		return s, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("account %q is not configured", account), activities.ErrUnknownAccount, nil)
	}
	return s, nil
}

// tag resolves a tag name to the account's tag (id when known, else by name,
// which amoCRM resolves or creates).
func (s formSettings) tag(name string) activities.Tag {
	return activities.Tag{ID: s.Tags[name], Name: name}
}
