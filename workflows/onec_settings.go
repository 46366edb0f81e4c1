package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/config"

	"amoflow/activities"
)

// onecAccount is what the 1C flows need of one amoCRM account.
type onecAccount struct {
	Name               string
	AccountID          int64
	TaskQueue          string
	CatalogID          int64
	DefaultResponsible int64
	Intake             config.Stage
	LeadName           string
	LeadFields         map[string]int64
	ContactFields      map[string]int64
	CompanyFields      map[string]int64
	CatalogFields      map[string]int64
	Tags               map[string]int64
	OneC               config.AccountOneC
}

// onecSettings is the configuration the 1C flows read, recorded in the
// workflow history once per run (see Flows.onecSettings).
type onecSettings struct {
	Accounts             map[string]onecAccount
	RetryFor             time.Duration
	UnsureWait           time.Duration
	CallTimeout          time.Duration
	Retail, Corporate    string
	CourseAccounts       []string
	OrganizationAccounts map[string]string
	Managers             []int64
	SenseiCallbackURL    string
	StudyGroups          config.StudyGroups
	PriceTypes           config.PriceTypes
	SearchAttributes     bool
}

// onecSettings snapshots the 1C settings into the history.
func (f *Flows) onecSettings(ctx workflow.Context) (onecSettings, error) {
	var s onecSettings
	enc := workflow.SideEffect(ctx, func(workflow.Context) any {
		c := f.Config
		out := onecSettings{
			Accounts:             map[string]onecAccount{},
			RetryFor:             c.OneC.RetryFor,
			UnsureWait:           c.OneC.UnsureWait,
			CallTimeout:          c.OneC.Timeout,
			Retail:               c.OneC.RetailAccount,
			Corporate:            c.OneC.CorporateAccount,
			CourseAccounts:       c.OneC.CourseAccounts,
			OrganizationAccounts: c.OneC.OrganizationAccounts,
			Managers:             c.OneC.Managers,
			SenseiCallbackURL:    c.OneC.SenseiCallbackURL,
			StudyGroups:          c.OneC.StudyGroups,
			PriceTypes:           c.OneC.PriceTypes,
			SearchAttributes:     c.Temporal.SearchAttributes,
		}
		for _, name := range c.AccountNames() {
			a := c.Accounts[name]
			out.Accounts[name] = onecAccount{
				Name: name, AccountID: a.AccountID, TaskQueue: a.TaskQueue(c.Temporal.TaskQueue),
				CatalogID: a.CatalogID, DefaultResponsible: a.DefaultResponsible, Intake: a.Intake,
				LeadName: a.LeadName, LeadFields: a.LeadFields, ContactFields: a.ContactFields,
				CompanyFields: a.CompanyFields, CatalogFields: a.CatalogFields, Tags: a.Tags, OneC: a.OneC,
			}
		}
		return out
	})
	if err := enc.Get(&s); err != nil {
		return s, err
	}
	if s.RetryFor <= 0 {
		s.RetryFor = 30 * time.Minute
	}
	if s.UnsureWait <= 0 {
		s.UnsureWait = 7 * 24 * time.Hour
	}
	if s.CallTimeout <= 0 {
		s.CallTimeout = 30 * time.Second
	}
	return s, nil
}

// account returns a configured account, or a non-retryable error naming it.
func (s onecSettings) account(name string) (onecAccount, error) {
	a, ok := s.Accounts[name]
	if !ok || name == "" {
		return a, temporal.NewNonRetryableApplicationError(fmt.Sprintf("account %q is not configured", name), activities.ErrUnknownAccount, nil)
	}
	return a, nil
}

// permanent reports whether an activity error will not go away by retrying.
func permanent(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.NonRetryable()
}
