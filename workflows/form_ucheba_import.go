package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/ucheba"
)

// UchebaImportInput names the day to import; empty: the day before the
// scheduled time, in the schedule's zone (what the Schedule's runs send).
type UchebaImportInput struct {
	Day string `json:"day,omitempty"` // YYYY-MM-DD
}

// UchebaImportResult is what one import did. It holds ids only: ucheba.ru
// lead ids and the site forms' job ids, never a name, phone or email.
type UchebaImportResult struct {
	Day     string `json:"day"`
	Fetched int    `json:"fetched"` // leads listed for the day
	// Imported are the site-form jobs this run started; AlreadyImported
	// those an earlier run (or a running one) had started.
	Imported        []string `json:"imported"`
	AlreadyImported []string `json:"already_imported"`
	// Unusable: no name, or neither a usable phone nor an email. Skipped:
	// a request of another kind. Both are ucheba.ru lead ids.
	Unusable   []int64 `json:"unusable"`
	Skipped    []int64 `json:"skipped"`
	Duplicates int     `json:"duplicates"` // requests the listing repeated
	Done       bool    `json:"done"`       // false while the run is still starting forms (the progress query)
}

// UchebaProgressQuery answers the UchebaImportResult so far.
const UchebaProgressQuery = "progress"

// scheduledStartKey is the attribute a Schedule sets on each run it starts.
var scheduledStartKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// uchebaSettings is the configuration the import reads, recorded once per run.
type uchebaSettings struct {
	Account     string
	Institution int64
	TimeZone    string
	Attributes  bool // temporal.search_attributes: tag the forms' jobs
}

func (f *Flows) uchebaSettings(ctx workflow.Context) (uchebaSettings, error) {
	var s uchebaSettings
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		u := f.Config.Ucheba
		return uchebaSettings{Account: u.Account, Institution: u.Institution, TimeZone: u.Schedule.TimeZone,
			Attributes: f.Config.Temporal.SearchAttributes}
	}).Get(&s)
	return s, err
}

// UchebaImport imports one day of ucheba.ru requests
// (docs/flows.md#uchebaimport): one activity lists the day's leads
// (every page), then each usable request is started as a CreateLeadFromForm
// child named by the request (UchebaFormJobID), so no request is imported
// twice however often the day is imported: Temporal refuses a job id it
// knows, and the Postgres record ucheba_forms (read before, written after
// the starts) covers a backfill past Temporal's retention. Unusable
// requests are counted. It waits for each child to start, not to finish: a
// form waiting days for a paused account must not hold the next night's run
// (the Schedule skips overlapping runs). It calls amoCRM not at all itself; each form makes
// its usual calls. Activities: one listing, two Postgres calls.
func (f *Flows) UchebaImport(ctx workflow.Context, in UchebaImportInput) (*UchebaImportResult, error) {
	s, err := f.uchebaSettings(ctx)
	if err != nil {
		return nil, err
	}
	if s.Account == "" || s.Institution == 0 {
		return nil, temporal.NewNonRetryableApplicationError("the ucheba.ru import needs ucheba.account and ucheba.institution", activities.ErrConfigMissing, nil)
	}
	info := workflow.GetInfo(ctx)
	scheduled, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartKey)
	if !ok {
		scheduled = info.WorkflowStartTime
	}
	day, err := UchebaDay(in.Day, scheduled, s.TimeZone)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrBadForm, nil)
	}
	res := &UchebaImportResult{Day: day}
	if err := workflow.SetQueryHandler(ctx, UchebaProgressQuery, func() (UchebaImportResult, error) { return *res, nil }); err != nil {
		return nil, err
	}
	var leads []ucheba.Lead
	if err := workflow.ExecuteActivity(uchebaOptions(ctx), uchebaService.FetchUchebaLeads, day).Get(ctx, &leads); err != nil {
		return nil, err
	}
	plan := uchebaForms(leads, s.Account, s.Institution)
	res.Fetched, res.Unusable, res.Skipped, res.Duplicates = len(leads), plan.Unusable, plan.Skipped, plan.Duplicates

	if len(plan.Forms) > 0 {
		if err := f.startUchebaForms(ctx, plan.Forms, s.Attributes, res); err != nil {
			return nil, err
		}
	}
	res.Done = true
	workflow.GetLogger(ctx).Info("ucheba.ru import done", "day", day, "fetched", res.Fetched, "imported", len(res.Imported),
		"already_imported", len(res.AlreadyImported), "unusable", len(res.Unusable), "skipped", len(res.Skipped))
	return res, nil
}

// startUchebaForms starts the forms no import started before: those the
// Postgres record (ucheba_forms) lists are already imported; the others
// are started, Temporal refusing any whose job it still knows; then every
// job seen started is recorded, so the record also covers a run that
// stopped between a start and its record.
func (f *Flows) startUchebaForms(ctx workflow.Context, forms []FormInput, attrs bool, res *UchebaImportResult) error {
	ids := make([]string, len(forms))
	for i, form := range forms {
		ids[i] = form.JobID
	}
	var known []string
	if err := workflow.ExecuteActivity(localOptions(ctx), uchebaService.KnownUchebaForms, ids).Get(ctx, &known); err != nil {
		return err
	}
	fresh, recorded := uchebaFresh(forms, known)
	res.AlreadyImported = append(res.AlreadyImported, recorded...)
	now := workflow.Now(ctx).UTC()
	started := make([]workflow.ChildWorkflowFuture, len(fresh))
	for i, form := range fresh {
		form.ReceivedAt = now
		started[i] = workflow.ExecuteChildWorkflow(uchebaChildOptions(ctx, f.Config, form, attrs), CreateLeadFromFormName, form)
	}
	var seen []string
	for i, form := range fresh {
		err := started[i].GetChildWorkflowExecution().Get(ctx, nil)
		switch {
		case err == nil:
			res.Imported = append(res.Imported, form.JobID)
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
			res.AlreadyImported = append(res.AlreadyImported, form.JobID)
		default:
			return fmt.Errorf("starting %s: %w", form.JobID, err)
		}
		seen = append(seen, form.JobID)
	}
	if len(seen) == 0 {
		return nil
	}
	in := activities.RememberUchebaInput{ImportJob: workflow.GetInfo(ctx).WorkflowExecution.ID, JobIDs: seen}
	return workflow.ExecuteActivity(localOptions(ctx), uchebaService.RememberUchebaForms, in).Get(ctx, nil)
}
