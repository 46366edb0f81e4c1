package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"amoflow/activities"
	"amoflow/onec"
)

// retransferEnv mocks the amoCRM reads of lead 9, which has its application
// in 1C (appGUID), product 70 and contact 5 with its client.
func retransferEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, Price: 50000, ResponsibleID: 3,
		ContactIDs: []int64{5}, Fields: map[int64]string{710399: string(appGUID)},
		Elements: []activities.AmoLinkTo{{Entity: "catalog_elements", ID: 70, CatalogID: 12463}}}, nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "catalog_elements", ID: 70, CatalogID: 12463}).
		Return(activities.AmoRecord{ID: 70, Fields: map[int64]string{710407: string(productGUID)}}, nil)
	env.OnActivity(amo.UserName1C, mock.Anything, activities.AmoRef{Account: "retail", ID: 3}).Return("Алферова Лилия", nil)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(activities.AmoRecord{ID: 5, Name: "Мария",
		Fields: map[int64]string{710429: string(clientGUID)}}, nil)
	expectKnownClient(env)
	return env
}

// expectKnownClient mocks 1C's client of contact 5 ("Мария", clientGUID):
// read, already as amoCRM has it (so not posted), the contact echo-marked.
func expectKnownClient(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(oneC.OneCGetStudentOrNil, mock.Anything, clientGUID).Return(&onec.Student{ClientID: clientGUID, Name: "Мария",
		AmoIDs: []onec.AmoID{{AccountID: 28395871, EntityID: 5}}}, nil).Once()
	env.OnActivity(oneC.RememberOneC, mock.Anything, activities.OneCLink{Account: "retail", Entity: "contacts", GUID: clientGUID, ID: 5}).Return(nil).Once()
	env.OnActivity(oneC.MarkEcho, mock.Anything, activities.EchoInput{Account: "retail", Entity: "contacts", IDs: []int64{5}}).Return(nil).Once()
}

// A lead that already has its application in 1C: 1C's status and payments
// are read first and sent back with amoCRM's fields laid over them.
func TestSync1COrderRetransferKeepsOneCState(t *testing.T) {
	env := retransferEnv(t)
	paid := []onec.Payment{{Amount: 20000, ClientID: clientGUID}}
	env.OnActivity(oneC.OneCGetApplication, mock.Anything, appGUID).Return(&onec.Application{LeadID: appGUID,
		LeadStatus: "Оплачена", Payments: paid, Price: 45000, Author: "Автор",
		AmoIDs: []onec.AmoID{{AccountID: 19453687, EntityID: 77}, {AccountID: 28395871, EntityID: 9}}}, nil).Once()
	var sent onec.Application
	env.OnActivity(oneC.OneCEditApplication, mock.Anything, mock.MatchedBy(func(a onec.Application) bool {
		sent = a
		return true
	})).Return(appGUID, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, mock.Anything).Return(int64(1), nil).Once()

	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	if sent.LeadID != appGUID || sent.LeadStatus != "Оплачена" || len(sent.Payments) != 1 || sent.Payments[0].Amount != 20000 ||
		sent.Price != 50000 || sent.Author != "Автор" || sent.ResponsibleUser != "Алферова Лилия" || len(sent.AmoIDs) != 2 {
		t.Errorf("sent %+v", sent)
	}
}

// An application 1C no longer has: amoCRM's is sent as it is.
func TestSync1COrderRetransferOfAnApplicationOneCLost(t *testing.T) {
	env := retransferEnv(t)
	env.OnActivity(oneC.OneCGetApplication, mock.Anything, appGUID).Return((*onec.Application)(nil), nil).Once()
	env.OnActivity(oneC.OneCEditApplication, mock.Anything, mock.MatchedBy(func(a onec.Application) bool {
		return a.LeadID == appGUID && a.LeadStatus == onec.LeadStatusInWork && a.Payments == nil
	})).Return(appGUID, nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, mock.Anything).Return(int64(1), nil).Once()
	env.ExecuteWorkflow(Sync1COrderName, Sync1COrderInput{Account: "retail", LeadID: 9})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}
