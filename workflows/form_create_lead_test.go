package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"amoflow/activities"
	"amoflow/config"
)

func testFlows() *Flows {
	return &Flows{Config: &config.Config{
		Temporal: config.Temporal{TaskQueue: "amoflow"},
		Accounts: map[string]*config.Account{"retail": {
			Name:               "retail",
			LeadName:           "Новая сделка",
			Intake:             retail.Intake,
			DefaultResponsible: 2576764,
			Merge:              config.Merge{ExcludedPipelines: retail.ExcludedPipelines, ExcludedStatuses: retail.ExcludedStatuses},
			FormFields:         retail.FormFields,
			FormTags:           retail.FormTags,
			Tags:               retail.Tags,
		}},
	}}
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := testFlows()
	registerFlows(env, f)
	freeLeases(env)
	return env
}

var form = FormInput{
	JobID: "form-retail-x", Account: "retail", ReceivedAt: time.Unix(1_800_000_000, 0),
	Fields: map[string]string{
		"name": "Мария", "phone": "8 (916) 123-45-67", "email": "Maria@Example.ru",
		"comment": "Перезвоните", "form_name_site": "Заявка с формы Записаться mzpo-s.ru",
	},
}

func TestNewPersonCreatesLeadWithContactInFourCalls(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "9161234567"}).Return([]activities.Contact{{ID: 7, Phones: []string{"+79161234500"}}}, nil).Once()
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "maria@example.ru"}).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.MatchedBy(func(in activities.CreateLeadInput) bool {
		return in.NewContact != nil && in.NewContact.Phone == "+79161234567" && in.NewContact.Email == "maria@example.ru" &&
			in.PipelineID == 3198184 && in.StatusID == 32532880 && in.Fields[639075] != "" &&
			len(in.Tags) == 1 && in.Tags[0].ID == 246137 && in.ContactID == 0
	})).Return(activities.CreatedLead{LeadID: 100, ContactID: 200}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 100, Text: "Перезвоните"}).Return(int64(1), nil).Once()

	res := runFlow[FormResult](t, env, CreateLeadFromFormName, form)
	if res.LeadID != 100 || res.ContactID != 200 || res.Merged {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestExistingContactMergesIntoOpenLead(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "9161234567"}).
		Return([]activities.Contact{{ID: 7, Phones: []string{"+7 916 123-45-67"}, LeadIDs: []int64{1, 2, 3, 4}}}, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, activities.GetLeadsInput{Account: "retail", IDs: []int64{1, 2, 3, 4}}).Return([]activities.Lead{
		{ID: 1, PipelineID: 3198184, StatusID: statusWon, UpdatedAt: 50, ContactIDs: []int64{7}},
		{ID: 2, PipelineID: 3198184, StatusID: 32532883, UpdatedAt: 10, ContactIDs: []int64{7}, Tags: []activities.Tag{{ID: 5, Name: "Ручная"}}, Fields: map[int64]string{639075: "kept"}},
		{ID: 3, PipelineID: 3338257, StatusID: 1, UpdatedAt: 40, ContactIDs: []int64{7}},
		{ID: 4, PipelineID: 3198184, StatusID: 58522914, UpdatedAt: 30, ContactIDs: []int64{7}},
	}, nil).Once()
	env.OnActivity(amo.UpdateLead, mock.Anything, activities.UpdateLeadInput{
		Account: "retail", LeadID: 2,
		Tags: []activities.Tag{{ID: 5, Name: "Ручная"}, {ID: 246137, Name: "mzpo-s.ru"}},
		// 639075 is filled on the lead already and is not overwritten.
	}).Return(nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 2, Text: "Перезвоните"}).Return(int64(1), nil).Once()

	res := runFlow[FormResult](t, env, CreateLeadFromFormName, form)
	if res.LeadID != 2 || !res.Merged || res.ContactID != 7 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestUnknownAccountFailsWithReason(t *testing.T) {
	env := newEnv(t)
	in := form
	in.Account = "nope"
	env.ExecuteWorkflow(CreateLeadFromFormName, in)
	err := env.GetWorkflowError()
	if err == nil {
		t.Fatal("want an error")
	}
	if want := `account "nope" is not configured`; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
}

// A form's title is the note's first line; its price goes onto the new lead.
func TestFormTitleAndPrice(t *testing.T) {
	env := newEnv(t)
	in := form
	in.Fields = map[string]string{"phone": "8 (916) 123-45-67", "title": "Курс массажа", "price": "15000"}
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.MatchedBy(func(in activities.CreateLeadInput) bool { return in.Price == 15000 })).
		Return(activities.CreatedLead{LeadID: 100, ContactID: 200}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 100, Text: "Курс массажа"}).Return(int64(1), nil).Once()
	mustRun(t, env, CreateLeadFromFormName, in)
	env.AssertExpectations(t)
}

// extrasFlows configures both accounts' site_form rules as in config/example.yaml.
func extrasFlows() *Flows {
	f := testFlows()
	r := f.Config.Accounts["retail"]
	r.SiteForm, r.Tags = retailExtras.SiteForm, retailExtras.Tags
	r.LeadFields = map[string]int64{"organization": 645965, "event_datetime": 724347, "webinar_link": 725627, "webinar_event": 725631}
	f.Config.Accounts["corp"] = &config.Account{
		Name: "corp", LeadName: "Новая сделка", Intake: corpExtras.Intake, DefaultResponsible: 2375146,
		FormFields: corpExtras.FormFields, LeadFields: corpExtras.LeadFields, Tags: corpExtras.Tags,
		SiteForm: corpExtras.SiteForm, FormResponsible: true,
	}
	return f
}

func newExtrasEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerFlows(env, extrasFlows())
	freeLeases(env)
	return env
}

// A free webinar registration from a person with an open lead is a lead of
// its own, in the webinar pipeline, tagged Вебинар; the leads are not read.
func TestFormWebinarNeverMerges(t *testing.T) {
	env := newExtrasEnv(t)
	in := form
	in.Fields = map[string]string{"phone": "8 (916) 123-45-67", "webinar": "true", "date": "15.03.2027", "organization": "Рога и копыта"}
	env.OnActivity(amo.SearchContacts, mock.Anything, activities.SearchContactsInput{Account: "retail", Query: "9161234567"}).
		Return([]activities.Contact{{ID: 7, ResponsibleID: 5, Phones: []string{"+79161234567"}, LeadIDs: []int64{1}}}, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.MatchedBy(func(in activities.CreateLeadInput) bool {
		return in.ContactID == 7 && in.PipelineID == 3199819 && in.StatusID == 32544562 && len(in.Tags) == 1 && in.Tags[0].ID == 276829 &&
			in.Fields[724347] != "" && in.Fields[645965] == "" && in.CompanyID == 0
	})).Return(activities.CreatedLead{LeadID: 100, ContactID: 7}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return n.EntityID == 100 && strings.Contains(n.Text, "organization: Рога и копыта")
	})).Return(int64(1), nil).Once()
	res := runFlow[FormResult](t, env, CreateLeadFromFormName, in)
	if res.Merged || res.LeadID != 100 {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t) // no GetLeads: nothing to merge into
}

// The corporate form links the company that holds the person's phone and
// takes its manager for a new person; "Заявка с сайта" and the site tag.
func TestCorpFormLinksTheCompany(t *testing.T) {
	env := newExtrasEnv(t)
	in := FormInput{JobID: "form-corp-x", Account: "corp", ReceivedAt: time.Unix(1_800_000_000, 0),
		Fields: map[string]string{"name": "Ирина", "phone": "8 (916) 123-45-67", "email": "hr@firm.example", "site": "mzpo-s.ru"}}
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Twice()
	firm := activities.CompanyCard{ID: 55, ResponsibleID: 2375131, Values: []activities.FieldValues{{ID: 33575, Code: "PHONE", Values: []activities.FieldValue{{Value: "+79161234567"}}}}}
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "9161234567", With: []string{"leads"}}).Return([]activities.CompanyCard{firm}, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "hr@firm.example", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.MatchedBy(func(in activities.CreateLeadInput) bool {
		return in.Account == "corp" && in.CompanyID == 55 && in.ResponsibleID == 2375131 && in.NewContact != nil &&
			tagList(in.Tags) == "Заявка с сайта,mzpo-s.ru" && in.Tags[0].ID == 1109567
	})).Return(activities.CreatedLead{LeadID: 300, ContactID: 301}, nil).Once()
	mustRun(t, env, CreateLeadFromFormName, in)
	env.AssertExpectations(t)
}

// A form with webinar_id and an email registers the email on webinar.ru
// and writes the registration to the new lead, with the link in a note.
func TestFormRegistersForTheWebinar(t *testing.T) {
	env := newExtrasEnv(t)
	in := form
	in.Fields = map[string]string{"email": "vera@example.ru", "webinar": "true", "webinar_id": "40", "comment": "Запишите"}
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.Anything).Return(activities.CreatedLead{LeadID: 100, ContactID: 200}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 100, Text: "Запишите"}).Return(int64(1), nil).Once()
	env.OnActivity(webinarService.RegisterForWebinar, mock.Anything, activities.WebinarRegisterInput{Event: 40, Email: "vera@example.ru"}).
		Return(activities.WebinarRegistration{Name: "Массаж", Session: 41, StartsAt: 1805124600, Participation: 7, Link: "https://w/7"}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(p activities.PatchLeadInput) bool {
		// The account's configured fields: the link, the event date, the event id.
		return p.Account == "retail" && p.ID == 100 && len(p.Fields) == 3 && p.Fields[0].ID == 725627 && p.Fields[0].Values[0].Text() == "https://w/7" &&
			p.Fields[1].ID == 724347 && p.Fields[1].Values[0].Text() == "1805124600" && p.Fields[2].ID == 725631 && p.Fields[2].Values[0].Text() == "40"
	})).Return(nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 100, Text: "Ссылка для регистрации на вебинар: https://w/7"}).Return(int64(2), nil).Once()
	mustRun(t, env, CreateLeadFromFormName, in)
	env.AssertExpectations(t)
}

// No company holds the phone, but the person's corporate contact belongs
// to one: that company is linked, and the contact's manager keeps the lead.
func TestCorpFormTakesTheContactsCompany(t *testing.T) {
	env := newExtrasEnv(t)
	in := FormInput{JobID: "form-corp-y", Account: "corp", ReceivedAt: time.Unix(1_800_000_000, 0),
		Fields: map[string]string{"phone": "8 (916) 123-45-67", "pipeline": "4697182", "status": "43009222"}}
	person := activities.Contact{ID: 9, ResponsibleID: 2375116, CompanyID: 66, Phones: []string{"+79161234567"}}
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return([]activities.Contact{person}, nil).Once()
	env.OnActivity(amo.SearchCompanies, mock.Anything, activities.SearchCompaniesInput{Account: "corp", Query: "9161234567", With: []string{"leads"}}).Return(nil, nil).Once()
	env.OnActivity(amo.CreateLead, mock.Anything, mock.MatchedBy(func(in activities.CreateLeadInput) bool {
		return in.ContactID == 9 && in.CompanyID == 66 && in.ResponsibleID == 2375116 && in.PipelineID == 4697182 && in.StatusID == 43009222
	})).Return(activities.CreatedLead{LeadID: 300, ContactID: 9}, nil).Once()
	mustRun(t, env, CreateLeadFromFormName, in)
	env.AssertExpectations(t)
}
