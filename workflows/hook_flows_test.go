package workflows

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

func hookFlows() *Flows {
	acct := func(s amoSettings, name string) *config.Account {
		return &config.Account{Name: name, Intake: s.Intake, LeadFields: s.LeadFields, Pipelines: s.Pipelines,
			Statuses: s.Statuses, Users: s.Users, Tags: s.Tags, ManagerPool: s.ManagerPool, CompanyFields: s.CompanyFields}
	}
	return &Flows{Config: &config.Config{
		Temporal: config.Temporal{TaskQueue: "amoflow"},
		Accounts: map[string]*config.Account{"retail": acct(hookRetail, "retail"), "corp": acct(hookCorp, "corp")},
	}}
}

func newHookTestEnv(t *testing.T, f *Flows) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerFlows(env, f)
	freeLeases(env)
	return env
}

var retailLead = activities.LeadCard{Lead: activities.Lead{
	ID: 31234567, Name: "Обучение", PipelineID: 3198184, StatusID: 32532883, Price: 45000, ContactIDs: []int64{700},
	Fields: map[int64]string{639075: "Заявка", 639081: "mzpo-s.ru"},
	Tags:   []activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}},
}}

var retailPerson = activities.ContactCard{Contact: activities.Contact{ID: 700, Name: "Ольга", Phones: []string{"8 916 555-12-34"}, Emails: []string{"Olga@corp.example"}}}

func TestRet2CorpNewPerson(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 31234567, With: []string{"contacts"}}).Return(retailLead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, activities.FindLeadInput{Account: "corp", Marker: activities.Marker{FieldID: 752191, Value: "31234567"}}).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, activities.ReadInput{Account: "retail", ID: 700}).Return(retailPerson, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Entity == "leads" })).
		Return([]activities.NoteCard{{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "last"}, CreatedAt: 5}}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Entity == "contacts" })).
		Return([]activities.NoteCard{{ID: 2, Type: "call_in", Params: amocrm.NoteParams{UniqID: "u1"}}}, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "corp", Query: "9165551234"}).Return(nil, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "corp", Query: "olga@corp.example"}).Return(nil, nil).Once()
	// No company holds the person's phone or email: none is linked.
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "9165551234", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "olga@corp.example", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(pg.NextManager, mock.Anything, activities.NextManagerInput{Pool: "corp", Key: "ret2corp:31234567", Managers: hookCorp.ManagerPool}).Return(int64(2375116), nil).Once()
	env.OnActivity(amo.CreateLinkedLead, mock.Anything, mock.MatchedBy(func(in activities.NewLeadInput) bool {
		return in.Account == "corp" && in.PipelineID == 5312269 && in.StatusID == 47317618 && in.ResponsibleID == 2375116 && in.CompanyID == 0 &&
			in.NewContact != nil && in.NewContact.Phone == "+79165551234" && in.NewContact.Email == "olga@corp.example" && in.NewContact.ResponsibleID == 2375116 &&
			in.Marker.Value == "31234567" && len(in.Tags) == 3 && in.Tags[0].ID == 1187781 && len(in.Fields) == 3
	})).Return(activities.CreatedLead{LeadID: 900, ContactID: 901}, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "corp", Entity: "leads",
		Notes: []activities.NoteCard{{EntityID: 900, Type: "common", Params: amocrm.NoteParams{Text: "last"}}}}).Return([]int64{1}, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
		return in.Entity == "contacts" && len(in.Notes) == 1 && in.Notes[0].EntityID == 901 && in.Notes[0].ResponsibleID == 2375116
	})).Return([]int64{2}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31234567, PipelineID: 3198184, StatusID: 35942104}).Return(nil).Once()

	res := runFlow[HookResult](t, env, Ret2CorpName, HookEvent{JobID: "wh-x", Account: "retail", Method: "ret2corp", Entity: "leads", ID: 31234567})
	if !res.Created || res.TargetLeadID != 900 || res.TargetContactID != 901 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

// The person is a corporate client with an open sales lead: the hand-over
// joins it (RET_ID written, the comment and calls added) and creates nothing.
func TestRet2CorpJoinsThePersonsOpenCorporateLead(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(retailLead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(retailPerson, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "leads", EntityID: 31234567, Types: []string{"common"}}).
		Return([]activities.NoteCard{{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "last"}}}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "contacts", EntityID: 700, Types: []string{"call_in", "call_out"}}).Return(nil, nil).Once()
	person := activities.Contact{ID: 901, ResponsibleID: 8628763, Phones: []string{"+79165551234"}, LeadIDs: []int64{800, 801, 802}}
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "corp", Query: "9165551234"}).Return([]activities.Contact{person}, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, activities.GetLeadsInput{Account: "corp", IDs: []int64{800, 801, 802}}).Return([]activities.Lead{
		{ID: 800, PipelineID: 5312269, StatusID: 142, UpdatedAt: 9}, // won
		{ID: 801, PipelineID: 5312269, StatusID: 47317618, UpdatedAt: 5, ResponsibleID: 2375131},
		{ID: 802, PipelineID: 5238031, StatusID: 46783762, UpdatedAt: 7}, // contract department
	}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool {
		return in.Account == "corp" && in.ID == 801 && len(in.Fields) == 1 && in.Fields[0].ID == 752191 && in.Fields[0].Values[0].Text() == "31234567" && in.StatusID == 0
	})).Return(nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "corp", Entity: "leads", EntityID: 801, Types: []string{"common"}}).Return(nil, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "corp", Entity: "leads",
		Notes: []activities.NoteCard{{EntityID: 801, Type: "common", Params: amocrm.NoteParams{Text: "last"}}}}).Return([]int64{1}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31234567, PipelineID: 3198184, StatusID: 35942104}).Return(nil).Once()

	res := runRet2Corp(t, env)
	if res.Created || !res.Changed || res.TargetLeadID != 801 || res.TargetContactID != 901 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // no company search, no round robin, no create
}

// A new corporate person whose phone a company holds: the lead is created
// linked to that company, with the company's manager (one of the pool).
func TestRet2CorpLinksThePersonsCompany(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	lead := retailLead
	lead.StatusID = 35942104
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(retailPerson, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.Anything).Return(nil, nil).Twice()
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Twice()
	company := activities.CompanyCard{ID: 77, ResponsibleID: 2375131, Values: []activities.FieldValues{{ID: 33575, Code: "PHONE", Values: []activities.FieldValue{{Value: "+7 (916) 555-12-34"}}}}}
	stranger := activities.CompanyCard{ID: 5, ResponsibleID: 8628763, Values: []activities.FieldValues{{ID: 33575, Code: "PHONE", Values: []activities.FieldValue{{Value: "+7 916 555-12-35"}}}}}
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "9165551234", With: []string{"leads"}}).Return([]activities.CompanyCard{stranger, company}, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "olga@corp.example", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLinkedLead, mock.Anything, mock.MatchedBy(func(in activities.NewLeadInput) bool {
		return in.CompanyID == 77 && in.ResponsibleID == 2375131 && in.NewContact != nil && in.NewContact.ResponsibleID == 2375131
	})).Return(activities.CreatedLead{LeadID: 900, ContactID: 901}, nil).Once()

	if res := runRet2Corp(t, env); !res.Created {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // no round robin: the company's manager is in the pool
}

func TestRet2CorpFoundCorporateLeadGetsOnlyWhatIsMissing(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	lead := retailLead
	lead.StatusID = 35942104 // already in the stage
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).
		Return(activities.LeadCard{Lead: activities.Lead{ID: 900, ResponsibleID: 8628763, ContactIDs: []int64{901}}}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(retailPerson, nil).Once()
	calls := []activities.NoteCard{
		{ID: 2, Type: "call_in", Params: amocrm.NoteParams{UniqID: "u1"}, CreatedAt: 1},
		{ID: 3, Type: "call_out", Params: amocrm.NoteParams{UniqID: "u2"}, CreatedAt: 2},
	}
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "leads", EntityID: 31234567, Types: []string{"common"}}).
		Return([]activities.NoteCard{{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "last"}}}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "contacts", EntityID: 700, Types: []string{"call_in", "call_out"}}).Return(calls, nil).Once()
	// The corporate lead has the comment and the first call already (a run interrupted midway).
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "corp", Entity: "leads", EntityID: 900, Types: []string{"common"}}).
		Return([]activities.NoteCard{{ID: 50, EntityID: 900, Type: "common", Params: amocrm.NoteParams{Text: "last"}}}, nil).Once()
	first := callCopies(calls, 901, 8628763)[0]
	first.ID = 51
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "corp", Entity: "contacts", EntityID: 901, Types: []string{"call_in", "call_out"}}).
		Return([]activities.NoteCard{first}, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
		return in.Entity == "contacts" && len(in.Notes) == 1 && in.Notes[0].Params.UniqID == "u2"
	})).Return([]int64{52}, nil).Once()

	res := runFlow[HookResult](t, env, Ret2CorpName, HookEvent{Account: "retail", Entity: "leads", ID: 31234567})
	if res.Created || !res.Changed || res.TargetLeadID != 900 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // no search, no round robin, no create, no retail update
}

func TestHandleWebhookStartsOneChildPerEvent(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := hookFlows()
	env.RegisterWorkflowWithOptions(f.HandleWebhook, workflow.RegisterOptions{Name: HandleWebhookName})
	var started []string
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
		started = append(started, workflow.GetInfo(ctx).WorkflowExecution.ID)
		if ev.ID == 3 {
			return nil, temporal.NewNonRetryableApplicationError("boom", "Test", nil)
		}
		return &HookResult{LeadID: ev.ID, Changed: true}, nil
	}, workflow.RegisterOptions{Name: Corp2RetName})
	in := WebhookInput{JobID: "whd-corp-corp2ret-x", Account: "corp", Method: "corp2ret", Events: []HookEvent{
		{JobID: "wh-corp-corp2ret-lead1-win0", Account: "corp", Entity: "leads", ID: 1},
		{JobID: "wh-corp-corp2ret-lead2-win0", Account: "corp", Entity: "leads", ID: 2},
	}}
	res := runFlow[WebhookResult](t, env, HandleWebhookName, in)
	if len(res.Events) != 2 || res.Events[1].Status != "done" || res.Events[1].JobID != "wh-corp-corp2ret-lead2-win0" || !strings.Contains(string(res.Events[1].Result), `"lead_id":2`) {
		t.Fatalf("result = %+v", res)
	}
	if len(started) != 2 || !strings.HasPrefix(started[0], "wh-corp-corp2ret-lead") {
		t.Fatalf("children = %v: the child's workflow id is the event's job id", started)
	}

	env = s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(f.HandleWebhook, workflow.RegisterOptions{Name: HandleWebhookName})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
		if ev.ID == 3 {
			return nil, temporal.NewNonRetryableApplicationError("boom", "Test", nil)
		}
		return &HookResult{}, nil
	}, workflow.RegisterOptions{Name: Corp2RetName})
	in.Events = append(in.Events, HookEvent{JobID: "wh-corp-corp2ret-lead3-win0", Account: "corp", Entity: "leads", ID: 3})
	env.ExecuteWorkflow(HandleWebhookName, in)
	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "1 of 3 events failed: wh-corp-corp2ret-lead3-win0") {
		t.Fatalf("a failed child fails the delivery, after the others: %v", err)
	}
}

func TestHandleWebhookStartsTheOneCFlowsByName(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := hookFlows()
	env.RegisterWorkflowWithOptions(f.HandleWebhook, workflow.RegisterOptions{Name: HandleWebhookName})
	var got Sync1COrderInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in Sync1COrderInput) (string, error) {
		got = in
		return "ok", nil
	}, workflow.RegisterOptions{Name: "Sync1COrder"})
	env.ExecuteWorkflow(HandleWebhookName, WebhookInput{Account: "corp", Method: "physics_corp",
		Events: []HookEvent{{JobID: "wh-corp-physics_corp-lead9-win0", Account: "corp", Entity: "leads", ID: 9}}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got != (Sync1COrderInput{Account: "corp", LeadID: 9}) {
		t.Fatalf("Sync1COrder got %+v", got)
	}
}

func TestWebhookFlowNamesMissingConfiguration(t *testing.T) {
	f := hookFlows()
	f.Config.Accounts["corp"].LeadFields = map[string]int64{"id_lead_ret": 759479}
	env := newHookTestEnv(t, f)
	env.ExecuteWorkflow(Corp2AgrName, HookEvent{Account: "corp", Entity: "leads", ID: 1})
	err := env.GetWorkflowError()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() ||
		!strings.Contains(err.Error(), "accounts.corp.lead_fields.lead_dog") || !strings.Contains(err.Error(), "accounts.corp.lead_fields.corp_man") {
		t.Fatalf("error = %v, want one naming every missing key", err)
	}
}

func TestEditContactSkipsTheEcho(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	ct := activities.ContactCard{Contact: activities.Contact{ID: 5}, PhoneField: activities.FieldValues{ID: 264911,
		Values: []activities.FieldValue{{Value: "+79161234567", EnumID: 1}}}}
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(ct, nil).Once()
	res := runFlow[HookResult](t, env, EditContactName, HookEvent{Account: "retail", Entity: "contacts", ID: 5})
	if res.Changed || res.Skipped == "" {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

// The open corporate lead already names another retail lead in RET_ID:
// it is joined, and RET_ID is left as it is (corp2ret keeps its way back).
func TestRet2CorpJoinKeepsAnotherRetID(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(retailLead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(retailPerson, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.Anything).Return(nil, nil)
	person := activities.Contact{ID: 901, Phones: []string{"+79165551234"}, LeadIDs: []int64{801}}
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return([]activities.Contact{person}, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, mock.Anything).Return([]activities.Lead{
		{ID: 801, PipelineID: 5312269, StatusID: 47317618, Fields: map[int64]string{752191: "30000001"}},
	}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31234567, PipelineID: 3198184, StatusID: 35942104}).Return(nil).Once()

	res := runRet2Corp(t, env)
	if res.Created || res.TargetLeadID != 801 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // the only PatchLead is the retail stage: no RET_ID written
}

// runRet2Corp runs Ret2Corp for retailLead and returns its result.
func runRet2Corp(t *testing.T, env *testsuite.TestWorkflowEnvironment) HookResult {
	t.Helper()
	return runFlow[HookResult](t, env, Ret2CorpName, HookEvent{Account: "retail", Entity: "leads", ID: retailLead.ID})
}

// The person is new to the corporate account and no company holds their
// phone or email, but the retail lead has a company: the corporate company
// with its INN is linked, with its manager.
func TestRet2CorpFindsTheRetailLeadsCompany(t *testing.T) {
	env := newHookTestEnv(t, hookFlows())
	lead := retailLead
	lead.StatusID, lead.CompanyID = 35942104, 555
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, mock.Anything).Return(retailPerson, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.Anything).Return(nil, nil)
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Twice()
	env.OnActivity(amo.SearchCompanies, mock.Anything, mock.MatchedBy(func(in activities.SearchCompaniesInput) bool { return len(in.With) == 1 })).Return(nil, nil).Twice()
	env.OnActivity(amo.ReadCompany, mock.Anything, activities.ReadInput{Account: "retail", ID: 555}).Return(activities.CompanyCard{ID: 555, Name: "ООО Фирма",
		Values: []activities.FieldValues{{ID: 644317, Values: []activities.FieldValue{{Value: "7701234567"}}}}}, nil).Once()
	twin := activities.CompanyCard{ID: 77, ResponsibleID: 2375131, Values: []activities.FieldValues{{ID: 69123, Values: []activities.FieldValue{{Value: "7701234567"}}}}}
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "7701234567"}).Return([]activities.CompanyCard{twin}, nil).Once()
	env.OnActivity(amo.CreateLinkedLead, mock.Anything, mock.MatchedBy(func(in activities.NewLeadInput) bool {
		return in.CompanyID == 77 && in.ResponsibleID == 2375131
	})).Return(activities.CreatedLead{LeadID: 900, ContactID: 901}, nil).Once()
	if res := runRet2Corp(t, env); !res.Created {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // no round robin: the company's manager is in the pool
}
