package workflows

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/ucheba"
)

func uchebaFlows() *Flows {
	f := hookFlows()
	f.Config.Ucheba = config.Ucheba{Enabled: true, Institution: 9915, Account: "retail",
		Schedule: config.UchebaSchedule{TimeZone: "Europe/Moscow"}}
	return f
}

// uchebaEnv runs UchebaImport with a stand-in form flow that records the
// forms it is started with.
func uchebaEnv(t *testing.T, f *Flows) (*testsuite.TestWorkflowEnvironment, *[]FormInput) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(f.UchebaImport, workflow.RegisterOptions{Name: UchebaImportName})
	TestActivities().RegisterMain(env)
	var forms []FormInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in FormInput) (*FormResult, error) {
		if workflow.GetInfo(ctx).WorkflowExecution.ID != in.JobID {
			t.Errorf("form started as %s, its job id is %s", workflow.GetInfo(ctx).WorkflowExecution.ID, in.JobID)
		}
		forms = append(forms, in)
		return &FormResult{}, nil
	}, workflow.RegisterOptions{Name: CreateLeadFromFormName})
	return env, &forms
}

// A scheduled run (no day given) imports the day before its start in
// Moscow: each usable request once, the others counted.
func TestUchebaImportYesterday(t *testing.T) {
	env, forms := uchebaEnv(t, uchebaFlows())
	env.SetStartTime(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) // 03:00 in Moscow
	leads := []ucheba.Lead{
		uchebaLead(1, 101, "Анна", "+79160000001", "", ucheba.TypeLearningRequest),
		uchebaLead(2, 102, "Олег", "", "oleg@example.ru", ucheba.TypeQuestion),
		uchebaLead(3, 103, "", "+79160000003", "", ucheba.TypeQuestion),
		uchebaLead(2, 102, "Олег", "", "oleg@example.ru", ucheba.TypeQuestion),
	}
	env.OnActivity(uchebaService.FetchUchebaLeads, mock.Anything, "2026-12-01").Return(leads, nil).Once()
	env.OnActivity(uchebaService.KnownUchebaForms, mock.Anything, []string{"form-retail-ucheba-9915-101", "form-retail-ucheba-9915-102"}).Return(nil, nil).Once()
	env.OnActivity(uchebaService.RememberUchebaForms, mock.Anything, activities.RememberUchebaInput{ImportJob: "default-test-workflow-id",
		JobIDs: []string{"form-retail-ucheba-9915-101", "form-retail-ucheba-9915-102"}}).Return(nil).Once()
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res UchebaImportResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := UchebaImportResult{Day: "2026-12-01", Fetched: 4, Imported: []string{"form-retail-ucheba-9915-101", "form-retail-ucheba-9915-102"},
		Unusable: []int64{3}, Duplicates: 1, Done: true}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result\n got %+v\nwant %+v", res, want)
	}
	if len(*forms) != 2 || (*forms)[0].Fields["form_name_site"] != uchebaLearningForm || (*forms)[1].Fields["email"] != "oleg@example.ru" ||
		(*forms)[0].ReceivedAt.IsZero() || (*forms)[0].Account != "retail" {
		t.Errorf("forms started: %+v", *forms)
	}
	env.AssertExpectations(t)
}

// A day asked for is imported as asked; a token ucheba.ru refuses fails
// the import with the reason, and no form is started.
func TestUchebaImportBackfillAndRefusedToken(t *testing.T) {
	env, forms := uchebaEnv(t, uchebaFlows())
	env.OnActivity(uchebaService.FetchUchebaLeads, mock.Anything, "2026-11-15").Return(nil,
		temporal.NewNonRetryableApplicationError("ucheba.ru: HTTP 401: the token (ucheba.token) is refused", activities.ErrUchebaAPI, nil))
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{Day: "2026-11-15"})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrUchebaAPI || len(*forms) != 0 {
		t.Errorf("refused token: %v, %d forms; want UchebaAPI and none", err, len(*forms))
	}

	env, _ = uchebaEnv(t, uchebaFlows())
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{Day: "1.12.2026"})
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || !appErr.NonRetryable() {
		t.Errorf("a bad day: %v, want a non-retryable failure", err)
	}

	f := uchebaFlows()
	f.Config.Ucheba.Institution = 0
	env, _ = uchebaEnv(t, f)
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{Day: "2026-12-01"})
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrConfigMissing {
		t.Errorf("no institution: %v, want ConfigMissing", err)
	}
}

// A run the Schedule started late (after an outage, within the catch-up
// window) still imports the day before its scheduled time.
func TestUchebaImportUsesTheScheduledTime(t *testing.T) {
	env, _ := uchebaEnv(t, uchebaFlows())
	env.SetStartTime(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		scheduledStartKey.ValueSet(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)))); err != nil {
		t.Fatal(err)
	}
	env.OnActivity(uchebaService.FetchUchebaLeads, mock.Anything, "2026-12-01").Return([]ucheba.Lead{}, nil).Once()
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{})
	var res UchebaImportResult
	if err := env.GetWorkflowError(); err != nil || env.GetWorkflowResult(&res) != nil || res.Day != "2026-12-01" || !res.Done {
		t.Errorf("late run: %+v %v, want the day before the scheduled time", res, err)
	}
	env.AssertExpectations(t)
}

// A request the Postgres record lists (an import started it, and Temporal
// may have forgotten it since) is not started again.
func TestUchebaImportSkipsRecordedForms(t *testing.T) {
	env, forms := uchebaEnv(t, uchebaFlows())
	leads := []ucheba.Lead{
		uchebaLead(1, 101, "Анна", "+79160000001", "", ucheba.TypeLearningRequest),
		uchebaLead(2, 102, "Олег", "", "oleg@example.ru", ucheba.TypeQuestion),
	}
	env.OnActivity(uchebaService.FetchUchebaLeads, mock.Anything, "2026-10-01").Return(leads, nil).Once()
	env.OnActivity(uchebaService.KnownUchebaForms, mock.Anything, mock.Anything).Return([]string{"form-retail-ucheba-9915-101"}, nil).Once()
	env.OnActivity(uchebaService.RememberUchebaForms, mock.Anything, activities.RememberUchebaInput{ImportJob: "default-test-workflow-id",
		JobIDs: []string{"form-retail-ucheba-9915-102"}}).Return(nil).Once()
	env.ExecuteWorkflow(UchebaImportName, UchebaImportInput{Day: "2026-10-01"})
	var res UchebaImportResult
	if err := env.GetWorkflowError(); err != nil || env.GetWorkflowResult(&res) != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Imported, []string{"form-retail-ucheba-9915-102"}) || !slices.Equal(res.AlreadyImported, []string{"form-retail-ucheba-9915-101"}) ||
		len(*forms) != 1 || (*forms)[0].JobID != "form-retail-ucheba-9915-102" {
		t.Errorf("result %+v, %d forms started; want 102 imported, 101 already", res, len(*forms))
	}
	env.AssertExpectations(t)
}
