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

func onecTestEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &Flows{Config: &config.Config{
		Temporal: config.Temporal{TaskQueue: "amoflow"},
		OneC:     config.OneC{RetryFor: 10 * time.Minute, Timeout: 5 * time.Second, RetailAccount: "retail"},
		Accounts: map[string]*config.Account{"retail": {
			Name: "retail", AccountID: 28395871, CatalogID: 12463,
			LeadFields: testAccount.LeadFields, ContactFields: testAccount.ContactFields,
			CompanyFields: testAccount.CompanyFields, CatalogFields: testAccount.CatalogFields,
			OneC: config.AccountOneC{RequireProduct: true, TaskTypeID: 2213389, TaskResponsible: 8348113, TaskDueHour: 12},
		}},
	}}
	registerFlows(env, f)
	env.OnActivity(leases.AcquireLeases, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnActivity(leases.ReleaseLeases, mock.Anything).Return(int64(1), nil).Maybe()
	return env
}

const (
	clientGUID  onec.GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	productGUID onec.GUID = "ac84a29c-a7f3-11eb-8921-20040ffb909d"
	appGUID     onec.GUID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
)

func ref(entity string, id int64) activities.AmoRef {
	return activities.AmoRef{Account: "retail", Entity: entity, ID: id}
}

// expectLeadWithProduct mocks the reads of a lead 9 with product 70 and contact 5.
func expectLeadWithProduct(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, Price: 1000, ResponsibleID: 3,
		ContactIDs: []int64{5}, Elements: []activities.AmoLinkTo{{Entity: "catalog_elements", ID: 70, CatalogID: 12463}}}, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "catalog_elements", ID: 70, CatalogID: 12463}).
		Return(activities.AmoRecord{ID: 70, Fields: map[int64]string{710407: string(productGUID)}}, nil)
	env.OnActivity(amo.UserName1C, mock.Anything, activities.AmoRef{Account: "retail", ID: 3}).Return("Алферова Лилия", nil)
}

// A create whose attempt failed is not repeated when the marker shows the
// object exists after all (another run wrote it meanwhile).
func TestSync1COrderRereadsTheMarkerBeforeRetryingACreate(t *testing.T) {
	env := onecTestEnv(t)
	expectLeadWithProduct(env)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария"}, nil).Once()
	env.OnActivity(oneC.OneCCreate, mock.Anything, mock.MatchedBy(func(in activities.OneCCreate) bool {
		return in.Entity == "contacts" && in.ID == 5 && in.Student != nil
	})).Return(activities.OneCCreated{}, errors.New("1C: 500")).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Fields: map[int64]string{710429: string(clientGUID)}}, nil).Once()
	env.OnActivity(oneC.OneCCreate, mock.Anything, mock.MatchedBy(func(in activities.OneCCreate) bool {
		a := in.Application
		return a != nil && in.Entity == "leads" && in.ID == 9 && a.ClientID == clientGUID && a.CompanyID == clientGUID &&
			a.ProductID == productGUID && a.LeadID == "" && a.ResponsibleUser == "Алферова Лилия"
	})).Return(activities.OneCCreated{GUID: appGUID}, nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, activities.AmoWrite{Account: "retail", Entity: "leads", ID: 9,
		Fields: map[int64]string{710399: string(appGUID)}}).Return(int64(9), nil).Once()
	env.OnActivity(oneC.RememberOneC, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 9,
		Text: "Сделка перенесена в 1С: " + string(appGUID)}).Return(int64(1), nil).Once()

	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	var res Sync1COrderResult
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Status != "transferred" || res.ClientID1C != clientGUID || res.LeadID1C != appGUID {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

// A permanent 1C error ends the transfer at once with one note and one task.
func TestSync1COrderPermanentErrorNotesAndTasks(t *testing.T) {
	env := onecTestEnv(t)
	expectLeadWithProduct(env)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Fields: map[int64]string{710429: string(clientGUID)}}, nil).Once()
	expectKnownClient(env)
	env.OnActivity(oneC.OneCCreate, mock.Anything, mock.Anything).
		Return(activities.OneCCreated{}, temporal.NewNonRetryableApplicationError("1C: 401", "OneCRejected", nil)).Once()
	env.OnActivity(amo.AddNote, mock.Anything, activities.NoteInput{Account: "retail", Entity: "leads", EntityID: 9,
		Text: "Не удалось перенести сделку в 1С"}).Return(int64(1), nil).Once()
	env.OnActivity(amo.AdminTask1C, mock.Anything, mock.MatchedBy(func(in activities.AdminTaskInput) bool {
		return in.TypeID == 2213389 && in.ResponsibleID == 8348113 && in.EntityID == 9 && in.Text == "Ошибка при переносе в 1с"
	})).Return(int64(1), nil).Once()

	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("the workflow succeeded")
	}
	env.AssertExpectations(t)
}

func TestSync1COrderSkipsAnEcho(t *testing.T) {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, activities.EchoInput{Account: "retail", Entity: "leads", IDs: []int64{9}}).Return(true, nil).Once()
	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	var res Sync1COrderResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Status != "echo" {
		t.Fatalf("result = %+v, %v", res, err)
	}
}
