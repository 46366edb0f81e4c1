package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/onec"
)

const corpGUIDField = 748405

// saveTestEnv is onecTestEnv with both person accounts: retail (the
// hooks') and corp (the other one).
func saveTestEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	admin := config.AccountOneC{TaskTypeID: 2213389, TaskResponsible: 8348113, TaskDueHour: 12}
	f := &Flows{Config: &config.Config{
		Temporal: config.Temporal{TaskQueue: "amoflow"},
		OneC:     config.OneC{RetryFor: 10 * time.Minute, Timeout: 5 * time.Second, RetailAccount: "retail", CorporateAccount: "corp"},
		Accounts: map[string]*config.Account{
			"retail": {Name: "retail", AccountID: 28395871, CatalogID: 12463, LeadFields: testAccount.LeadFields,
				ContactFields: testAccount.ContactFields, CompanyFields: testAccount.CompanyFields, CatalogFields: testAccount.CatalogFields, OneC: admin},
			"corp": {Name: "corp", AccountID: 19453687, CatalogID: 5111,
				ContactFields: map[string]int64{"client_id_1c": corpGUIDField, "pass_number": 748395},
				CompanyFields: map[string]int64{"company_id_1c": 748387, "inn": 69123}, OneC: admin},
		},
	}}
	registerFlows(env, f)
	env.OnActivity(leases.AcquireLeases, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnActivity(leases.ReleaseLeases, mock.Anything).Return(int64(1), nil).Maybe()
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil).Maybe()
	env.OnActivity(oneC.RememberOneC, mock.Anything, mock.Anything).Return(nil).Maybe()
	return env
}

// expectEcho expects the echo mark of each contact written.
func expectEcho(env *testsuite.TestWorkflowEnvironment, account string, ids ...int64) {
	for _, id := range ids {
		env.OnActivity(oneC.MarkEcho, mock.Anything, activities.EchoInput{Account: account, Entity: "contacts", IDs: []int64{id}}).Return(nil).Once()
	}
}

// runSave runs SaveClient1C on retail lead 9 and returns its result, every
// expectation met.
func runSave(t *testing.T, env *testsuite.TestWorkflowEnvironment) SaveOneCResult {
	t.Helper()
	env.ExecuteWorkflow(SaveClient1CName, saveEvent("retail", "saveclient", 9))
	var res SaveOneCResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	return res
}

func saveEvent(account, method string, lead int64) HookEvent {
	return HookEvent{JobID: "wh-test", Account: account, Method: method, Entity: "leads", ID: lead}
}

func corpRef(entity string, id int64) activities.AmoRef {
	return activities.AmoRef{Account: "corp", Entity: entity, ID: id}
}

// The lead's contact is new to 1C; the person has a contact without a GUID
// in the corporate account: it is linked, 1C's new client lists both
// contacts, and both get the GUID.
func TestSaveClient1CNewClientLinksTheOtherAccount(t *testing.T) {
	env := saveTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, ContactIDs: []int64{5}}, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Phones: []string{"8 (916) 123-45-67"}, Fields: map[int64]string{715537: "123456"}}, nil).Once()
	env.OnActivity(amo.Search1C, mock.Anything, activities.AmoSearch{Account: "corp", Entity: "contacts", Query: "9161234567"}).
		Return([]activities.AmoRecord{{ID: 50, Name: "Мария", Phones: []string{"+79161234567"}, Fields: map[int64]string{}},
			{ID: 51, Name: "Пётр", Phones: []string{"+79161234500"}}}, nil).Once()
	var created onec.Student
	env.OnActivity(oneC.OneCCreate, mock.Anything, mock.MatchedBy(func(in activities.OneCCreate) bool {
		if in.Student != nil {
			created = *in.Student
		}
		return in.Entity == "contacts" && in.ID == 5 && in.Student != nil
	})).Return(activities.OneCCreated{GUID: clientGUID}, nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, activities.AmoWrite{Account: "retail", Entity: "contacts", ID: 5,
		Fields: map[int64]string{710429: string(clientGUID)}}).Return(int64(5), nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, mock.MatchedBy(func(w activities.AmoWrite) bool {
		return w.Account == "corp" && w.ID == 50 && w.Fields[corpGUIDField] == string(clientGUID) && w.Fields[748395] == "123456"
	})).Return(int64(50), nil).Once()
	expectEcho(env, "retail", 5)
	expectEcho(env, "corp", 50)
	res := runSave(t, env)
	if res.Status != "transferred" || res.ClientID1C != clientGUID || onec.AmoIDIn(res.AmoIDs, 19453687) != 50 {
		t.Errorf("result = %+v", res)
	}
	if onec.AmoIDIn(created.AmoIDs, 28395871) != 5 || onec.AmoIDIn(created.AmoIDs, 19453687) != 50 || created.ClientID != "" {
		t.Errorf("1C got the new client %+v", created)
	}
}

// The person is a 1C client already through the corporate contact: that
// client is read, amoCRM's values laid over it and posted, and the retail
// source contact gets the GUID (the predecessor left it without).
func TestSaveClient1CTakesTheOtherAccountsClient(t *testing.T) {
	env := saveTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, ContactIDs: []int64{5}}, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Emails: []string{"maria@example.ru"}, Fields: map[int64]string{715537: "654321"}}, nil).Once()
	env.OnActivity(amo.Search1C, mock.Anything, activities.AmoSearch{Account: "corp", Entity: "contacts", Query: "maria@example.ru"}).
		Return([]activities.AmoRecord{{ID: 50, Name: "Мария", Emails: []string{"Maria@Example.ru"},
			Fields: map[int64]string{corpGUIDField: string(clientGUID)}}}, nil).Once()
	env.OnActivity(oneC.OneCGetStudentOrNil, mock.Anything, clientGUID).Return(&onec.Student{ClientID: clientGUID, Name: "Мария",
		PassNumber: "123456", Address: "Москва", AmoIDs: []onec.AmoID{{AccountID: 19453687, EntityID: 50}}}, nil).Once()
	var posted onec.Student
	env.OnActivity(oneC.OneCEditStudent, mock.Anything, mock.MatchedBy(func(s onec.Student) bool { posted = s; return true })).
		Return(clientGUID, nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, mock.MatchedBy(func(w activities.AmoWrite) bool {
		return w.Account == "retail" && w.ID == 5 && w.Fields[710429] == string(clientGUID) && w.Fields[650843] == "Москва"
	})).Return(int64(5), nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, mock.MatchedBy(func(w activities.AmoWrite) bool {
		return w.Account == "corp" && w.ID == 50 && w.Fields[748395] == "654321"
	})).Return(int64(50), nil).Once()
	expectEcho(env, "retail", 5)
	expectEcho(env, "corp", 50)
	res := runSave(t, env)
	if res.ClientID1C != clientGUID || posted.PassNumber != "654321" || posted.Address != "Москва" ||
		onec.AmoIDIn(posted.AmoIDs, 28395871) != 5 || onec.AmoIDIn(posted.AmoIDs, 19453687) != 50 {
		t.Errorf("result %+v, posted %+v", res, posted)
	}
}

// Two people on the lead and no GUID: a note, nothing sent to 1C, the job
// succeeds with several_contacts.
func TestSaveClient1CSeveralContactsIsANote(t *testing.T) {
	env := saveTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("leads", 9)).Return(activities.AmoRecord{ID: 9, ContactIDs: []int64{5, 6}}, nil).Once()
	env.OnActivity(amo.ReadRecords1C, mock.Anything, activities.AmoRefs{Account: "corp", Entity: "contacts", IDs: []int64{5, 6}}).
		Return([]activities.AmoRecord{{ID: 6, Name: "Пётр"}, {ID: 5, Name: "Мария"}}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "corp", Entity: "leads", EntityID: 9,
		Text: "Ошибка переноса в 1С: в сделке больше одного контакта"}).Return(int64(1), nil).Once()
	env.ExecuteWorkflow(SaveClient1CName, saveEvent("corp", "saveclient_corp", 9))
	var res SaveOneCResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Status != "several_contacts" || res.ClientID1C != "" {
		t.Fatalf("result = %+v, %v", res, err)
	}
	env.AssertExpectations(t)
}

// A client 1C does not know although a contact names it: the job fails
// with OneCNotFound after the failure note and task.
func TestSaveClient1CUnknownGUIDFails(t *testing.T) {
	env := saveTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, ContactIDs: []int64{5}}, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Fields: map[int64]string{710429: string(clientGUID)}}, nil).Once()
	env.OnActivity(oneC.OneCGetStudentOrNil, mock.Anything, clientGUID).Return((*onec.Student)(nil), nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 9,
		Text: "Не удалось перенести клиента в 1С"}).Return(int64(1), nil).Once()
	env.OnActivity(amo.AdminTask1C, mock.Anything, mock.Anything).Return(int64(1), nil).Once()
	env.ExecuteWorkflow(SaveClient1CName, saveEvent("retail", "saveclient", 9))
	if err := env.GetWorkflowError(); err == nil || !errorType(err, activities.ErrOneCNotFound) {
		t.Fatalf("error = %v", err)
	}
	env.AssertExpectations(t)
}

// A known client whose corporate contact (1C's amo_ids) holds another 1C
// client: noted on the lead, that contact left alone.
func TestSaveClient1COtherClientsContactIsLeftAlone(t *testing.T) {
	env := saveTestEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, ContactIDs: []int64{5}}, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Phones: []string{"+79161234567"}, Fields: map[int64]string{710429: string(clientGUID)}}, nil).Once()
	env.OnActivity(oneC.OneCGetStudentOrNil, mock.Anything, clientGUID).Return(&onec.Student{ClientID: clientGUID, Name: "Мария",
		Phone: "+79161234567", AmoIDs: []onec.AmoID{{AccountID: 28395871, EntityID: 5}}}, nil).Once()
	env.OnActivity(oneC.RecallOneC, mock.Anything, mock.Anything).Return(int64(0), nil).Once()
	env.OnActivity(amo.Search1C, mock.Anything, activities.AmoSearch{Account: "corp", Entity: "contacts", Query: "9161234567"}).
		Return([]activities.AmoRecord{{ID: 50, Name: "Мария", Phones: []string{"+79161234567"},
			Fields: map[int64]string{corpGUIDField: string(otherGUID)}}}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return n.EntityID == 9 && n.Text == "Перенос клиента в 1С: в аккаунте corp контакт 50 связан с другим клиентом 1С ("+string(otherGUID)+"); он не изменён, проверьте дубль"
	})).Return(int64(1), nil).Once()
	expectEcho(env, "retail", 5)
	// No Write1C, no EditStudent: nothing changed.
	if res := runSave(t, env); res.ClientID1C != clientGUID || onec.AmoIDIn(res.AmoIDs, 19453687) != 0 {
		t.Fatalf("result = %+v", res)
	}
}

// savecompany: a new partner is created once and its GUID written to the
// company; a known one is read, overlaid and posted; no company is a note.
func TestSaveCompany1C(t *testing.T) {
	t.Run("new partner", func(t *testing.T) {
		env := saveTestEnv(t)
		env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("leads", 9)).Return(activities.AmoRecord{ID: 9, CompanyIDs: []int64{70}}, nil).Once()
		env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("companies", 70)).Return(activities.AmoRecord{ID: 70, Name: "ООО Ромашка",
			Fields: map[int64]string{69123: "7701234567"}}, nil).Once()
		env.OnActivity(oneC.OneCCreate, mock.Anything, mock.MatchedBy(func(in activities.OneCCreate) bool {
			return in.Entity == "companies" && in.ID == 70 && in.Partner != nil && in.Partner.INN == "7701234567" && in.Partner.CompanyID == ""
		})).Return(activities.OneCCreated{GUID: clientGUID}, nil).Once()
		env.OnActivity(amo.Write1C, mock.Anything, activities.AmoWrite{Account: "corp", Entity: "companies", ID: 70,
			Fields: map[int64]string{748387: string(clientGUID)}}).Return(int64(70), nil).Once()
		env.OnActivity(oneC.MarkEcho, mock.Anything, activities.EchoInput{Account: "corp", Entity: "companies", IDs: []int64{70}}).Return(nil).Once()
		env.ExecuteWorkflow(SaveCompany1CName, saveEvent("corp", "savecompany", 9))
		var res SaveOneCResult
		if err := env.GetWorkflowResult(&res); err != nil || res.CompanyID1C != clientGUID || res.Status != "transferred" {
			t.Fatalf("result = %+v, %v", res, err)
		}
		env.AssertExpectations(t)
	})
	t.Run("known partner", func(t *testing.T) {
		env := saveTestEnv(t)
		env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("leads", 9)).Return(activities.AmoRecord{ID: 9, CompanyIDs: []int64{70}}, nil).Once()
		env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("companies", 70)).Return(activities.AmoRecord{ID: 70, Name: "ООО Ромашка",
			Fields: map[int64]string{748387: string(clientGUID), 69123: "7701234567"}}, nil).Once()
		env.OnActivity(oneC.OneCGetPartnerOrNil, mock.Anything, clientGUID).Return(&onec.Partner{CompanyID: clientGUID, Name: "Ромашка",
			INN: "7700000000", BIK: "044525225"}, nil).Once()
		env.OnActivity(oneC.OneCEditPartner, mock.Anything, mock.MatchedBy(func(p onec.Partner) bool {
			return p.CompanyID == clientGUID && p.INN == "7701234567" && p.BIK == "044525225" && p.Name == "ООО Ромашка" &&
				onec.AmoIDIn(p.AmoIDs, 19453687) == 70
		})).Return(clientGUID, nil).Once()
		env.ExecuteWorkflow(SaveCompany1CName, saveEvent("corp", "savecompany", 9))
		var res SaveOneCResult
		if err := env.GetWorkflowResult(&res); err != nil || res.CompanyID1C != clientGUID {
			t.Fatalf("result = %+v, %v", res, err)
		}
		env.AssertExpectations(t)
	})
	t.Run("no company", func(t *testing.T) {
		env := saveTestEnv(t)
		env.OnActivity(amo.ReadRecord1C, mock.Anything, corpRef("leads", 9)).Return(activities.AmoRecord{ID: 9}, nil).Once()
		env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "corp", Entity: "leads", EntityID: 9,
			Text: "Не удалось перенести компанию в 1С: в сделке нет компании"}).Return(int64(1), nil).Once()
		env.ExecuteWorkflow(SaveCompany1CName, saveEvent("corp", "savecompany", 9))
		var res SaveOneCResult
		if err := env.GetWorkflowResult(&res); err != nil || res.Status != "no_company" {
			t.Fatalf("result = %+v, %v", res, err)
		}
		env.AssertExpectations(t)
	})
}

// errorType reports whether err carries an application error of type typ.
func errorType(err error, typ string) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == typ
}

// The lead transfer's client step follows the same rule: two people on
// the lead and no GUID are a note, and no 1C call is made.
func TestSync1COrderSeveralContactsIsANote(t *testing.T) {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, Price: 1000, ResponsibleID: 3,
		ContactIDs: []int64{5, 6}, Elements: []activities.AmoLinkTo{{Entity: "catalog_elements", ID: 70, CatalogID: 12463}}}, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "catalog_elements", ID: 70, CatalogID: 12463}).
		Return(activities.AmoRecord{ID: 70, Fields: map[int64]string{710407: string(productGUID)}}, nil)
	env.OnActivity(amo.UserName1C, mock.Anything, activities.AmoRef{Account: "retail", ID: 3}).Return("Алферова Лилия", nil)
	env.OnActivity(amo.ReadRecords1C, mock.Anything, activities.AmoRefs{Account: "retail", Entity: "contacts", IDs: []int64{5, 6}}).
		Return([]activities.AmoRecord{{ID: 5, Name: "Мария"}, {ID: 6, Name: "Пётр"}}, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 9,
		Text: "Ошибка переноса в 1С: в сделке больше одного контакта"}).Return(int64(1), nil).Once()
	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	var res Sync1COrderResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Status != "several_contacts" || res.LeadID1C != "" {
		t.Fatalf("result = %+v, %v", res, err)
	}
	env.AssertExpectations(t)
}
