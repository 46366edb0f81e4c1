package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
	"amoflow/onec"
)

func updateEvent(entity string, id int64) HookEvent {
	return HookEvent{JobID: "hook-test", Account: "retail", Method: "updateclient", Entity: entity, ID: id}
}

// An entity 1C itself just wrote is not sent back.
func TestUpdateOneCSkipsAnEcho(t *testing.T) {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, activities.EchoInput{Account: "retail", Entity: "contacts", IDs: []int64{5}}).Return(true, nil).Once()
	env.ExecuteWorkflow(UpdateOneCName, updateEvent("contacts", 5))
	var res HookResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Skipped != "written by 1C" {
		t.Fatalf("result = %+v, %v", res, err)
	}
	env.AssertExpectations(t)
}

// A contact's edit: 1C's client is read, the edit laid over it and posted,
// and the merged client written back onto the contact (read again by its
// amo_ids entry, then marked as an echo).
func TestUpdateOneCClient(t *testing.T) {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil).Once()
	contact := activities.AmoRecord{ID: 5, Name: "Мария", Fields: map[int64]string{710429: string(clientGUID), 715537: "654321"}}
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("contacts", 5)).Return(contact, nil)
	env.OnActivity(oneC.OneCGetStudentOrNil, mock.Anything, clientGUID).Return(&onec.Student{ClientID: clientGUID, Name: "Мария",
		PassNumber: "123456", Address: "Москва", AmoIDs: []onec.AmoID{{AccountID: 28395871, EntityID: 5}}}, nil).Once()
	env.OnActivity(oneC.OneCEditStudent, mock.Anything, mock.MatchedBy(func(s onec.Student) bool {
		return s.ClientID == clientGUID && s.PassNumber == "654321" && s.Address == "Москва"
	})).Return(clientGUID, nil).Once()
	env.OnActivity(amo.Write1C, mock.Anything, mock.MatchedBy(func(w activities.AmoWrite) bool {
		return w.Entity == "contacts" && w.ID == 5
	})).Return(int64(5), nil).Maybe()
	env.OnActivity(oneC.RememberOneC, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(oneC.MarkEcho, mock.Anything, activities.EchoInput{Account: "retail", Entity: "contacts", IDs: []int64{5}}).Return(nil).Once()
	env.ExecuteWorkflow(UpdateOneCName, updateEvent("contacts", 5))
	var res HookResult
	if err := env.GetWorkflowResult(&res); err != nil || !res.Changed {
		t.Fatalf("result = %+v, %v", res, err)
	}
	env.AssertExpectations(t)
}

// A lead without a 1C application is left alone.
func TestUpdateOneCLeadWithoutGUID(t *testing.T) {
	env := onecTestEnv(t)
	env.OnActivity(oneC.IsEcho, mock.Anything, mock.Anything).Return(false, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, ref("leads", 9)).Return(activities.AmoRecord{ID: 9, Price: 100}, nil).Once()
	env.ExecuteWorkflow(UpdateOneCName, updateEvent("leads", 9))
	var res HookResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Skipped != "no 1C application" {
		t.Fatalf("result = %+v, %v", res, err)
	}
	env.AssertExpectations(t)
}
