package workflows

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/lk"
)

func lkFlows() *Flows {
	f := hookFlows()
	r := f.Config.Accounts["retail"]
	r.LeadFields = map[string]int64{"course": 357005, "lk_created": 728583}
	r.ContactFields = lkContactFields
	f.Config.LK.BaseURL = "http://lk.test"
	f.Config.LK.Courses = []string{"ММЦ-И"}
	return f
}

func lkLead(course string, contacts ...int64) activities.LeadCard {
	return activities.LeadCard{Lead: activities.Lead{ID: 31, ContactIDs: contacts, Fields: map[int64]string{357005: course}}}
}

func TestCreateLKRegistersTheStudent(t *testing.T) {
	env := newHookTestEnv(t, lkFlows())
	student := activities.ContactFields{ID: 700, Name: "Анна", Values: []activities.FieldValues{vals(264913, "EMAIL", "anna@example.ru"), vals(710429, "", "guid-1")}}
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 31, With: []string{"contacts"}}).Return(lkLead("ММЦ-И", 700), nil).Once()
	env.OnActivity(amo.ReadContactFields, mock.Anything, activities.ReadContactsInput{Account: "retail", IDs: []int64{700}}).Return([]activities.ContactFields{student}, nil).Once()
	env.OnActivity(lkService.RegisterStudent, mock.Anything, mock.MatchedBy(func(s lk.Student) bool {
		return s.AmoID == "700" && s.Email == "anna@example.ru" && s.ID1C == "guid-1"
	})).Return(activities.LKAnswer{User: 4242}, nil).Once()
	env.OnActivity(amo.PatchContact, mock.Anything, activities.PatchContactInput{Account: "retail", ID: 700,
		Fields: []activities.FieldValues{textField(726299, "4242")}}).Return(nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "retail", Entity: "leads",
		Notes: []activities.NoteCard{{EntityID: 31, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: "Создан ЛК для клиента."}}}}).Return([]int64{1}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31,
		Fields: []activities.FieldValues{textField(728583, "Да")}}).Return(nil).Once()
	res := runFlow[HookResult](t, env, CreateLKName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	if !res.Created || res.ContactID != 700 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestCreateLKRefusals(t *testing.T) {
	for _, c := range []struct {
		name     string
		lead     activities.LeadCard
		contacts []activities.ContactFields
		note     string
		answer   *activities.LKAnswer
	}{
		{"a course without accounts", lkLead("КОС", 700), nil, "Не удалось создать личный кабинет. В сделке отсутствует подходящий курс", nil},
		{"no contact", lkLead("ММЦ-И"), nil, "Не удалось создать личный кабинет. В сделке отсутствует контакт", nil},
		{"not linked to 1C", lkLead("ММЦ-И", 700), []activities.ContactFields{{ID: 700}}, "Не удалось создать личный кабинет. Контакт не привязан к 1С", nil},
		{"the service refuses", lkLead("ММЦ-И", 700), []activities.ContactFields{{ID: 700, Values: []activities.FieldValues{vals(710429, "", "g")}}},
			"Не удалось создать ЛК для клиента: email занят ", &activities.LKAnswer{Email: "email занят"}},
	} {
		env := newHookTestEnv(t, lkFlows())
		env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(c.lead, nil).Once()
		if c.contacts != nil {
			env.OnActivity(amo.ReadContactFields, mock.Anything, mock.Anything).Return(c.contacts, nil).Once()
		}
		if c.answer != nil {
			env.OnActivity(lkService.RegisterStudent, mock.Anything, mock.Anything).Return(*c.answer, nil).Once()
		}
		env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
			return len(in.Notes) == 1 && in.Notes[0].Params.Text == c.note
		})).Return([]int64{1}, nil).Once()
		env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31,
			Fields: []activities.FieldValues{textField(728583, "Нет")}}).Return(nil).Once()
		env.ExecuteWorkflow(CreateLKName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var res HookResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		if res.Created || res.Skipped == "" {
			t.Errorf("%s: result = %+v", c.name, res)
		}
		env.AssertExpectations(t)
	}
}

func TestCreateLKKeepsAnExistingAccountAndNeedsItsService(t *testing.T) {
	env := newHookTestEnv(t, lkFlows())
	lead := lkLead("ММЦ-И", 700)
	lead.Fields[728583] = "Да"
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.ReadContactFields, mock.Anything, mock.Anything).
		Return([]activities.ContactFields{{ID: 700, Values: []activities.FieldValues{vals(726299, "", "4242"), vals(710429, "", "g")}}}, nil).Once()
	res := runFlow[HookResult](t, env, CreateLKName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	if res.Changed || !strings.Contains(res.Skipped, "4242") {
		t.Fatalf("result = %+v: no second registration, nothing written", res)
	}
	env.AssertExpectations(t)

	f := lkFlows()
	f.Config.LK.BaseURL = ""
	env = newHookTestEnv(t, f)
	env.ExecuteWorkflow(CreateLKName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || !app.NonRetryable() || !strings.Contains(err.Error(), "lk.base_url") {
		t.Fatalf("error = %v, want one naming lk.base_url before any write", err)
	}
}
