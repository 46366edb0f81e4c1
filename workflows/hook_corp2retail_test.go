package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

func corp2retailFlows() *Flows {
	f := hookFlows()
	r, c := f.Config.Accounts["retail"], f.Config.Accounts["corp"]
	r.LeadFields, r.Tags = corp2retailRetail.LeadFields, corp2retailRetail.Tags
	r.Intake, r.DefaultResponsible = config.Stage{PipelineID: 3198184, StatusID: 32532880}, 2576764
	c.LeadFields = corp2retailCorp.LeadFields
	return f
}

func TestCorp2RetailNewPerson(t *testing.T) {
	env := newHookTestEnv(t, corp2retailFlows())
	lead := activities.LeadCard{Lead: activities.Lead{ID: 900, Name: "Обучение", ContactIDs: []int64{901},
		Fields: map[int64]string{748383: "Заявка"}, Tags: []activities.Tag{{ID: 1187781, Name: "mzpo-s.ru"}}}}
	person := activities.ContactCard{Contact: activities.Contact{ID: 901, Name: "Ольга", Phones: []string{"8 916 555-12-34"}}}
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "corp", ID: 900, With: []string{"contacts"}}).Return(lead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, activities.FindLeadInput{Account: "retail", Marker: activities.Marker{FieldID: 724771, Value: "900"}}).Return(activities.LeadCard{}, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, activities.ReadInput{Account: "corp", ID: 901}).Return(person, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Entity == "leads" && in.EntityID == 900 })).
		Return([]activities.NoteCard{{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "Нужен договор"}, CreatedAt: 5}}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Entity == "contacts" && in.EntityID == 901 })).
		Return([]activities.NoteCard{{ID: 2, Type: "call_in", Params: amocrm.NoteParams{UniqID: "u1"}, CreatedAt: 3}}, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "9165551234"}).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLinkedLead, mock.Anything, mock.MatchedBy(func(in activities.NewLeadInput) bool {
		return in.Account == "retail" && in.PipelineID == 3198184 && in.StatusID == 32532880 && in.ResponsibleID == 2576764 &&
			in.NewContact != nil && in.NewContact.Phone == "+79165551234" && in.Marker.Value == "900" && len(in.Tags) == 2 && in.Tags[0].ID == 302489 && len(in.Fields) == 2
	})).Return(activities.CreatedLead{LeadID: 31, ContactID: 32}, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
		return in.Account == "retail" && in.Entity == "leads" && len(in.Notes) == 2 && in.Notes[0].Params.Text == "Заявка\nНужен договор" &&
			in.Notes[1].Type == "call_in" && in.Notes[1].EntityID == 31 && in.Notes[1].ResponsibleID == 2576764
	})).Return([]int64{1, 2}, nil).Once()
	res := runFlow[HookResult](t, env, Corp2RetailName, HookEvent{Account: "corp", Entity: "leads", ID: 900})
	if !res.Created || res.TargetLeadID != 31 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestCorp2RetailFoundLeadGetsOnlyMissingNotes(t *testing.T) {
	env := newHookTestEnv(t, corp2retailFlows())
	lead := activities.LeadCard{Lead: activities.Lead{ID: 900, Fields: map[int64]string{748383: "Заявка"}}}
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.FindLeadByField, mock.Anything, mock.Anything).Return(activities.LeadCard{Lead: activities.Lead{ID: 31, ResponsibleID: 7}}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Account == "corp" })).Return(nil, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, mock.MatchedBy(func(in activities.ListNotesInput) bool { return in.Account == "retail" && in.EntityID == 31 })).
		Return([]activities.NoteCard{{ID: 9, EntityID: 31, Type: "common", Params: amocrm.NoteParams{Text: "Заявка"}}}, nil).Once()
	res := runFlow[HookResult](t, env, Corp2RetailName, HookEvent{Account: "corp", Entity: "leads", ID: 900})
	if res.Created || res.Changed || res.TargetLeadID != 31 {
		t.Fatalf("result = %+v: a second delivery creates and adds nothing", res)
	}
	env.AssertExpectations(t)
}

func TestCorp2RetailSuccessAndFail(t *testing.T) {
	for _, c := range []struct {
		name   string
		flow   string
		status int64
	}{{"won", Corp2RetailSuccessName, statusWon}, {"lost", Corp2RetailFailName, statusLost}} {
		env := newHookTestEnv(t, corp2retailFlows())
		env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 31}).
			Return(activities.LeadCard{Lead: activities.Lead{ID: 31, StatusID: c.status, Fields: map[int64]string{724771: "900"}}}, nil).Once()
		env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "corp", ID: 900}).
			Return(activities.LeadCard{Lead: activities.Lead{ID: 900, PipelineID: 5312269, StatusID: 47317618}}, nil).Once()
		env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "corp", ID: 900, PipelineID: 5312269, StatusID: c.status}).Return(nil).Once()
		mustRun(t, env, c.flow, HookEvent{Account: "retail", Entity: "leads", ID: 31})
		env.AssertExpectations(t)
	}
	// A late hook: the retail lead was reopened since.
	env := newHookTestEnv(t, corp2retailFlows())
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).
		Return(activities.LeadCard{Lead: activities.Lead{ID: 31, StatusID: 32532883, Fields: map[int64]string{724771: "900"}}}, nil).Once()
	res := runFlow[HookResult](t, env, Corp2RetailSuccessName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	if res.Changed || res.Skipped == "" {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}
