package workflows

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"amoflow/activities"
	"amoflow/amocrm"
)

// Testsuite tests of respchange, checkdouble, conferencepaid and retailpaid.

func guardFlows() *Flows {
	f := hookFlows()
	f.Config.Guards.RespChange = respRules
	c := f.Config.Accounts["corp"]
	c.CompanyFields = corpCompanyFields
	c.Pipelines = map[string]int64{"sales": 5312269, "contracts": 5238031, "conference": 4697182}
	c.Statuses = map[string]int64{"conference_unpaid": 43009222, "conference_paid": 43009228}
	return f
}

func TestRespChangeRevertsAnUnauthorizedLeadChange(t *testing.T) {
	env := newHookTestEnv(t, guardFlows())
	lead := activities.LeadCard{Lead: activities.Lead{ID: 7, ResponsibleID: 6929800}}
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 7}).Return(lead, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 7, ResponsibleID: 6102562}).Return(nil).Once()
	res := runFlow[HookResult](t, env, RespChangeName, HookEvent{Account: "retail", Entity: "leads", ID: 7, ResponsibleID: 6929800, OldResponsibleID: 6102562, ModifiedBy: 6929800})
	if !res.Changed || res.LeadID != 7 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestRespChangeRevertsAContactAndLeavesAllowedChanges(t *testing.T) {
	env := newHookTestEnv(t, guardFlows())
	ct := activities.ContactCard{Contact: activities.Contact{ID: 8, ResponsibleID: 6929800}}
	env.OnActivity(amo.ReadContact, mock.Anything, activities.ReadInput{Account: "retail", ID: 8}).Return(ct, nil).Once()
	env.OnActivity(amo.PatchContact, mock.Anything, activities.PatchContactInput{Account: "retail", ID: 8, ResponsibleID: 6102562}).Return(nil).Once()
	mustRun(t, env, RespChangeName, HookEvent{Account: "retail", Entity: "contacts", ID: 8, ResponsibleID: 6929800, OldResponsibleID: 6102562, ModifiedBy: 6929800})
	env.AssertExpectations(t)

	// An admin's change: no amoCRM call at all.
	env = newHookTestEnv(t, guardFlows())
	res := runFlow[HookResult](t, env, RespChangeName, HookEvent{Account: "retail", Entity: "leads", ID: 7, ResponsibleID: 1, OldResponsibleID: 6102562, ModifiedBy: 2576764})
	if res.Changed || res.Skipped != "the change is allowed" {
		t.Fatalf("result = %+v", res)
	}
}

func TestRespChangeWithoutAdminsIsAConfigurationError(t *testing.T) {
	f := guardFlows()
	f.Config.Guards.RespChange.Admins = nil
	env := newHookTestEnv(t, f)
	env.ExecuteWorkflow(RespChangeName, HookEvent{Account: "retail", Entity: "leads", ID: 7, OldResponsibleID: 1, ModifiedBy: 2})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || !app.NonRetryable() || !strings.Contains(err.Error(), "guards.respchange.admins") {
		t.Fatalf("error = %v: without admins every change would be reverted", err)
	}
}

func TestCheckDoubleNotesSharedValuesOnce(t *testing.T) {
	co := activities.CompanyCard{ID: 40, Values: []activities.FieldValues{vals(69123, "", "7701234567"), vals(33577, "EMAIL", "info@firm.ru")}}
	twin := activities.CompanyCard{ID: 41, Values: []activities.FieldValues{vals(69123, "", "7701234567")}}
	text := doubleNote([]string{"7701234567"})
	run := func(existing []activities.NoteCard, wantNote bool) HookResult {
		env := newHookTestEnv(t, guardFlows())
		env.OnActivity(amo.ReadCompany, mock.Anything, activities.ReadInput{Account: "corp", ID: 40}).Return(co, nil).Once()
		env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "info@firm.ru"}).Return([]activities.CompanyCard{co}, nil).Once()
		env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "7701234567"}).Return([]activities.CompanyCard{co, twin}, nil).Once()
		env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "corp", Entity: "companies", EntityID: 40, Types: []string{"common"}}).Return(existing, nil).Once()
		if wantNote {
			env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "corp", Entity: "companies",
				Notes: []activities.NoteCard{{EntityID: 40, Type: "common", Params: amocrm.NoteParams{Text: text}}}}).Return([]int64{1}, nil).Once()
		}
		res := runFlow[HookResult](t, env, CheckDoubleName, HookEvent{Account: "corp", Entity: "companies", ID: 40})
		env.AssertExpectations(t)
		return res
	}
	if res := run(nil, true); !res.Changed {
		t.Fatalf("first check: %+v", res)
	}
	if res := run([]activities.NoteCard{{ID: 1, EntityID: 40, Params: amocrm.NoteParams{Text: text}}}, false); res.Changed || !strings.Contains(res.Skipped, "already") {
		t.Fatalf("the same warning again: %+v", res)
	}
}

func TestConferencePaidMovesTheOldestUnpaidLead(t *testing.T) {
	env := newHookTestEnv(t, guardFlows())
	payer := activities.Contact{ID: 3, Phones: []string{"8 916 123-45-67"}, LeadIDs: []int64{30, 20}}
	company := activities.CompanyCard{ID: 4, Values: []activities.FieldValues{vals(33577, "EMAIL", "ivan@firm.ru")}, LeadIDs: []int64{20, 50}}
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "corp", Query: "9161234567"}).Return([]activities.Contact{payer}, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "corp", Query: "ivan@firm.ru"}).Return(nil, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "9161234567", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "ivan@firm.ru", With: []string{"leads"}}).Return([]activities.CompanyCard{company}, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, activities.GetLeadsInput{Account: "corp", IDs: []int64{20, 30, 50}}).Return([]activities.Lead{
		{ID: 30, PipelineID: 4697182, StatusID: 43009222}, {ID: 20, PipelineID: 4697182, StatusID: 43009222}, {ID: 50, PipelineID: 5312269, StatusID: 1},
	}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "corp", ID: 20, PipelineID: 4697182, StatusID: 43009228}).Return(nil).Once()
	res := runFlow[PaymentResult](t, env, ConferencePaidName, HookEvent{Account: "corp", Method: "conferencepaid", Params: map[string]string{"phone": "+79161234567", "email": "ivan@firm.ru"}})
	if !res.Changed || res.LeadID != 20 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestConferencePaidWithoutAnUnpaidLeadFails(t *testing.T) {
	env := newHookTestEnv(t, guardFlows())
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return([]activities.Contact{{ID: 3, Emails: []string{"ivan@firm.ru"}, LeadIDs: []int64{30}}}, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, mock.Anything).Return(nil, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, mock.Anything).Return([]activities.Lead{{ID: 30, PipelineID: 5312269, StatusID: 1}}, nil).Once()
	env.ExecuteWorkflow(ConferencePaidName, HookEvent{Account: "corp", Params: map[string]string{"email": "ivan@firm.ru"}})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != "NoUnpaidLead" || !app.NonRetryable() {
		t.Fatalf("error = %v", err)
	}
	env.AssertExpectations(t) // no update
}

func TestRetailPaidNotesEveryContactOfThePayer(t *testing.T) {
	env := newHookTestEnv(t, guardFlows())
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "9161234567"}).
		Return([]activities.Contact{{ID: 9, Phones: []string{"+79161234567"}}, {ID: 10, Phones: []string{"+79161234568"}}}, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "ivan@example.ru"}).
		Return([]activities.Contact{{ID: 3, Emails: []string{"ivan@example.ru"}}, {ID: 9, Phones: []string{"+79161234567"}, Emails: []string{"ivan@example.ru"}}}, nil).Once()
	text := "Поступила оплата в размере 1500 от контакта +79161234567, ivan@example.ru"
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "retail", Entity: "contacts", Notes: []activities.NoteCard{
		{EntityID: 3, Type: "common", Params: amocrm.NoteParams{Text: text}}, {EntityID: 9, Type: "common", Params: amocrm.NoteParams{Text: text}},
	}}).Return([]int64{1, 2}, nil).Once()
	mustRun(t, env, RetailPaidName, HookEvent{Account: "retail", Params: map[string]string{"phone": "+79161234567", "email": "ivan@example.ru", "price": "1500"}})
	env.AssertExpectations(t)

	env = newHookTestEnv(t, guardFlows())
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Once()
	env.ExecuteWorkflow(RetailPaidName, HookEvent{Account: "retail", Params: map[string]string{"phone": "+79161234567", "price": "1500"}})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != "PayerNotFound" || strings.Contains(err.Error(), "9161234567") {
		t.Fatalf("error = %v: a payer nobody knows fails, without the phone in the reason", err)
	}
}
