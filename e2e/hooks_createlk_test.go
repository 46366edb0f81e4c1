package e2e

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/lk"
	"amoflow/workflows"
)

// createlk end to end, against the fake LK service.

func TestWebhookCreateLK(t *testing.T) {
	service := lk.NewFake()
	srv := httptest.NewServer(service)
	t.Cleanup(srv.Close)
	h := &hookHarness{harness: newHarness(t, func(cfg *config.Config) {
		cfg.Inbound.WebhookToken = hookToken
		cfg.LK = config.LK{BaseURL: srv.URL, Courses: []string{"ММЦ-И"}}
	})}

	email := fmt.Sprintf("student%d@example.ru", freshID())
	student := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Анна Иванова", CustomFields: []amofake.FieldValue{
		amofake.Email(email), amofake.Text(710429, "guid-"+email), amofake.Text(710417, "Ж"),
		{FieldID: 644285, Values: []amofake.Value{{Value: 631141200}}}}})
	lead := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Обучение", PipelineID: 3338257, StatusID: 1,
		CustomFields: []amofake.FieldValue{amofake.Text(357005, "ММЦ-И")}, ContactIDs: []int64{student}})
	h.fake.ResetCalls()
	service.FailNext(1) // the LK service down for a moment: retried, not failed

	_, res := h.deliver("createlk", stageHook(lead, 3338257, 1, 2, retailID, retail))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "createlk")
	if nr, _ := h.callLog("createlk"); nr != 5 || !r.Created {
		t.Errorf("result %+v, %d retail calls; want the account created with 5", r, nr)
	}
	got := service.Students() // the failed call never reached the service
	if len(got) != 1 || service.Calls() != 2 || got[0].Email != email || got[0].Birthday != "1990-01-01" || got[0].Sex != "female" || got[0].AmoID != fmt.Sprint(student) {
		t.Fatalf("LK got %+v", got)
	}
	c, _ := h.fake.Contact(retail, student)
	l, _ := h.fake.Lead(retail, lead)
	if amofake.FirstValue(c.CustomFields, 726299) == "" || amofake.FirstValue(l.CustomFields, 728583) != "Да" {
		t.Errorf("contact LK id %q, lead flag %q", amofake.FirstValue(c.CustomFields, 726299), amofake.FirstValue(l.CustomFields, 728583))
	}
	if notes := notesOf(h.fake.Notes(retail, "leads"), lead, amocrm.NoteCommon); len(notes) != 1 || notes[0].Params["text"] != "Создан ЛК для клиента." {
		t.Errorf("notes = %+v", notes)
	}
	// The hook again (another stage): the contact has its account; nothing new.
	_, res = h.deliver("createlk", stageHook(lead, 3338257, 3, 1, retailID, retail))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if len(service.Students()) != 1 || r.Changed {
		t.Errorf("second hook: %+v, LK called %d times", r, len(service.Students()))
	}

	// A student not linked to 1C: the note says so, the flag is "Нет", LK is not asked.
	other := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Пётр", CustomFields: []amofake.FieldValue{amofake.Email("p" + email)}})
	lead2 := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Обучение", PipelineID: 3338257, StatusID: 1,
		CustomFields: []amofake.FieldValue{amofake.Text(357005, "ММЦ-И")}, ContactIDs: []int64{other}})
	_, res = h.deliver("createlk", stageHook(lead2, 3338257, 1, 2, retailID, retail))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	l2, _ := h.fake.Lead(retail, lead2)
	if notes := notesOf(h.fake.Notes(retail, "leads"), lead2, amocrm.NoteCommon); len(notes) != 1 ||
		notes[0].Params["text"] != "Не удалось создать личный кабинет. Контакт не привязан к 1С" || amofake.FirstValue(l2.CustomFields, 728583) != "Нет" {
		t.Errorf("not linked to 1C: notes %+v, flag %q", notes, amofake.FirstValue(l2.CustomFields, 728583))
	}
	if len(service.Students()) != 1 {
		t.Error("LK asked for a student not linked to 1C")
	}
}
