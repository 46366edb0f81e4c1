package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/egrul"
)

func widgetTestEnv(t *testing.T, edit ...func(*config.Config)) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// The first activity of a test binary hashes the binary inside the
	// workflow goroutine; on a loaded machine that exceeds the 1 s default.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	cfg := &config.Config{
		Temporal: config.Temporal{TaskQueue: "amoflow"},
		Accounts: map[string]*config.Account{
			"corp":   {Name: "corp", CompanyFields: map[string]int64{"ogrn": 1, "kpp": 2, "email": 3, "address": 4}},
			"retail": {Name: "retail", LeadFields: map[string]int64{"remote_man": 77}},
		},
		Widgets: config.Widgets{CompanyAccount: "corp", LeadsAccount: "retail", SenseiStartURL: "https://sensei.example/start/x?a=1",
			Dashboards: map[string]config.Dashboard{"konv": {Account: "retail", Kind: config.DashboardConversion, Pipelines: []int64{10},
				Won: []int64{142}, Lost: []int64{143}, Users: []int64{7}}}},
	}
	for _, f := range edit {
		f(cfg)
	}
	registerFlows(env, &Flows{Config: cfg})
	return env
}

func TestCompanyFromEGRULFillsOnceTheRegisterAnswers(t *testing.T) {
	env := widgetTestEnv(t)
	co := egrul.Company{INN: "7701234567", OGRN: "1027700132195", KPP: "770101001", ShortName: "ООО \"РОМАШКА\""}
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "corp", Entity: "companies", ID: 5}).
		Return(activities.AmoRecord{ID: 5, Name: "Ромашка", Fields: map[int64]string{2: "999"}}, nil)
	env.OnActivity(register.EGRULLookup, mock.Anything, "7701234567").Return(egrul.Company{}, errors.New("egrul: 502")).Once()
	env.OnActivity(register.EGRULLookup, mock.Anything, "7701234567").Return(co, nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, activities.AmoWrite{Account: "corp", Entity: "companies", ID: 5, Name: co.ShortName,
		Fields: map[int64]string{1: co.OGRN}}).Return(int64(5), nil).Once()
	res := runFlow[CompanyEGRULResult](t, env, CompanyFromEGRULName, CompanyEGRULInput{CompanyID: 5, INN: "7701234567"})
	if res.Status != "filled" || strings.Join(res.Filled, ",") != "name,ogrn" {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t)
}

func TestCompanyFromEGRULNeedsItsFields(t *testing.T) {
	env := widgetTestEnv(t, func(c *config.Config) { delete(c.Accounts["corp"].CompanyFields, "kpp") })
	env.ExecuteWorkflow(CompanyFromEGRULName, CompanyEGRULInput{CompanyID: 5, INN: "7701234567"})
	if err := env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "accounts.corp.company_fields.kpp") {
		t.Errorf("%v", err)
	}
}

func TestRemoteManagerStartsSenseiWithoutRewritingTheSameValue(t *testing.T) {
	env := widgetTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "leads", ID: 9}).
		Return(activities.AmoRecord{ID: 9, Fields: map[int64]string{77: "Петрова"}}, nil)
	env.OnActivity(oneC.NotifyCallback, mock.Anything, "https://sensei.example/start/x?a=1&lead_id=9").Return(nil).Once()
	res := runFlow[RemoteManagerResult](t, env, RemoteManagerName, RemoteManagerInput{LeadID: 9, Manager: "Петрова"})
	if res != (RemoteManagerResult{LeadID: 9, Status: "set", SenseiStarted: true}) {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t) // no Write1C was expected
}

func TestDashboardReadsEveryPage(t *testing.T) {
	env := widgetTestEnv(t)
	q := activities.LeadsPageInput{Account: "retail", Pipelines: []int64{10}, CreatedFrom: 1740776400, CreatedTo: 1743454799}
	p1, p2 := q, q
	p1.Page, p2.Page = 1, 2
	env.OnActivity(widgets.WidgetLeadsPage, mock.Anything, p1).Return(activities.LeadsPage{More: true,
		Leads: []activities.LeadFigure{{ID: 1, StatusID: 142, ResponsibleID: 7}, {ID: 2, StatusID: 143, ResponsibleID: 8}}}, nil).Once()
	env.OnActivity(widgets.WidgetLeadsPage, mock.Anything, p2).Return(activities.LeadsPage{
		Leads: []activities.LeadFigure{{ID: 3, StatusID: 143, ResponsibleID: 7}}}, nil).Once()
	env.OnActivity(amo.Users1C, mock.Anything, "retail").Return([]activities.AmoUser{{ID: 7, Name: "Анна"}}, nil).Once()
	res := runFlow[DashboardResult](t, env, DashboardName, DashboardInput{Name: "konv", From: "2025-03-01", To: "2025-03-31"})
	if res.Leads != 3 || res.Total.Value != 50 || len(res.Rows) != 1 || res.Rows[0].Name != "Анна" || res.Rows[0].Counted != 2 {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t)
}

// A paid dashboard reads the stage entries page by page, then the leads
// they name, each once, in reads of at most 100 ids.
func TestDashboardPaidReadsEntriesThenLeads(t *testing.T) {
	env := widgetTestEnv(t, func(c *config.Config) {
		c.Widgets.Dashboards["success"] = config.Dashboard{Account: "retail", Kind: config.DashboardPaid, Pipelines: []int64{10}, Won: []int64{20, 142}}
	})
	stages := []activities.LeadStage{{PipelineID: 10, StatusID: 20}, {PipelineID: 10, StatusID: 142}}
	e1 := activities.StageEntriesInput{Account: "retail", Stages: stages, From: 1740776400, To: 1743454799, Page: 1}
	e2 := e1
	e2.Page = 2
	var first []int64
	for id := int64(1); id <= 100; id++ {
		first = append(first, id)
	}
	env.OnActivity(widgets.WidgetStageEntries, mock.Anything, e1).Return(activities.StageEntries{LeadIDs: first, More: true}, nil).Once()
	env.OnActivity(widgets.WidgetStageEntries, mock.Anything, e2).Return(activities.StageEntries{LeadIDs: []int64{100, 101}}, nil).Once()
	env.OnActivity(widgets.WidgetLeadsPage, mock.Anything, activities.LeadsPageInput{Account: "retail", IDs: first, Page: 1}).
		Return(activities.LeadsPage{Leads: []activities.LeadFigure{{ID: 1, PipelineID: 10, StatusID: 142, Price: 500, CreatedAt: 1741000000}}}, nil).Once()
	env.OnActivity(widgets.WidgetLeadsPage, mock.Anything, activities.LeadsPageInput{Account: "retail", IDs: []int64{101}, Page: 1}).
		Return(activities.LeadsPage{Leads: []activities.LeadFigure{{ID: 101, PipelineID: 10, StatusID: 20, Price: 700, CreatedAt: 1700000000}}}, nil).Once()
	res := runFlow[DashboardResult](t, env, DashboardName, DashboardInput{Name: "success", From: "2025-03-01", To: "2025-03-31"})
	if res.Leads != 2 || res.Total.Sum != 1200 || res.Total.Won != 2 || len(res.Rows) != 3 || res.Rows[0].Sum != 500 ||
		res.Rows[1].Sum != 700 || res.Rows[2].Name != "2023-11" {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t)
}

// An active dashboard reads the leads updated in the range, with a row per user.
func TestDashboardActiveReadsUpdatedLeads(t *testing.T) {
	env := widgetTestEnv(t, func(c *config.Config) {
		c.Widgets.Dashboards["active"] = config.Dashboard{Account: "retail", Kind: config.DashboardActive, Won: []int64{142}, Lost: []int64{143}, Users: []int64{7}}
	})
	q := activities.LeadsPageInput{Account: "retail", UpdatedFrom: 1740776400, UpdatedTo: 1743454799, Page: 1}
	env.OnActivity(widgets.WidgetLeadsPage, mock.Anything, q).Return(activities.LeadsPage{
		Leads: []activities.LeadFigure{{ID: 1, StatusID: 555, ResponsibleID: 7}, {ID: 2, StatusID: 142, ResponsibleID: 7}}}, nil).Once()
	env.OnActivity(amo.Users1C, mock.Anything, "retail").Return([]activities.AmoUser{{ID: 7, Name: "Киреева"}}, nil).Once()
	res := runFlow[DashboardResult](t, env, DashboardName, DashboardInput{Name: "active", From: "2025-03-01", To: "2025-03-31"})
	if len(res.Rows) != 1 || res.Rows[0].Name != "Киреева" || res.Rows[0].Open != 1 || res.Rows[0].Counted != 2 || res.Total.Value != 1 {
		t.Errorf("%+v", res)
	}
	env.AssertExpectations(t)
}
