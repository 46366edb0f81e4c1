package e2e

import (
	"fmt"
	"slices"
	"testing"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/workflows"
)

// corp2retail, corp2retail_success and corp2retail_fail end to end.

func TestWebhookCorp2RetailCopiesOnceAndClosesBack(t *testing.T) {
	h := newHookHarness(t)
	digits := fmt.Sprintf("%07d", freshID()%10000000) // a person no other test has
	phone := "8 (916) " + digits
	contact := h.fake.AddContact(corp, amofake.Contact{ID: freshID(), Name: "Пётр", CustomFields: []amofake.FieldValue{amofake.Phone(phone)}})
	lead := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Курс для сотрудника", PipelineID: 5312269, StatusID: 47317618,
		CustomFields: []amofake.FieldValue{amofake.Text(748383, "Заявка с сайта"), amofake.Text(758213, "mzpo-s.ru"), amofake.Text(748385, "yandex")},
		Tags:         []amofake.Tag{{ID: 1187781, Name: "mzpo-s.ru"}}, ContactIDs: []int64{contact}})
	h.seedNotes("corp", amocrm.EntityLeads, amocrm.CommonNote(lead, "Частное лицо, не компания"))
	h.seedNotes("corp", amocrm.EntityContacts, amocrm.Note{EntityID: contact, NoteType: amocrm.NoteCallIn,
		Params: amocrm.NoteParams{UniqID: "c2r-" + phone, Duration: 40, Source: "telephony", Phone: phone, Link: "https://rec.example/2"}})
	h.fake.ResetCalls()

	body := stageHook(lead, 5312269, 47317618, 47317618, corpID, corp)
	_, res := h.deliver("corp2retail", body)
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "corp2retail_new_person")
	nr, nc := h.callLog("corp2retail")
	if !r.Created || r.TargetLeadID == 0 || nc != 4 || nr != 4 {
		t.Fatalf("result %+v; calls retail %d corporate %d, want created with 4 and 4", r, nr, nc)
	}
	ret, ok := h.fake.Lead(retail, r.TargetLeadID)
	if !ok || ret.PipelineID != 3198184 || ret.StatusID != 32532880 || ret.ResponsibleUserID != 2576764 || ret.Name != "Курс для сотрудника" {
		t.Fatalf("retail lead = %+v", ret)
	}
	for field, want := range map[int64]string{724771: fmt.Sprint(lead), 639075: "Заявка с сайта", 639081: "mzpo-s.ru", 639085: "yandex"} {
		if got := amofake.FirstValue(ret.CustomFields, field); got != want {
			t.Errorf("field %d = %q, want %q", field, got, want)
		}
	}
	if got := tagNames(ret.Tags); !slices.Equal(got, []string{"mzpo-s.ru", "Сделка из корп. отдела"}) {
		t.Errorf("tags = %v", got)
	}
	notes := notesOf(h.fake.Notes(retail, "leads"), ret.ID)
	if len(notes) != 2 || notes[0].Params["text"] != "Заявка с сайта\nЧастное лицо, не компания" || notes[1].NoteType != amocrm.NoteCallIn {
		t.Errorf("retail lead notes = %+v", notes)
	}
	if len(ret.ContactIDs) != 1 {
		t.Fatalf("retail lead contacts = %v", ret.ContactIDs)
	}
	if c, _ := h.fake.Contact(retail, ret.ContactIDs[0]); !hasValue(c.CustomFields, "PHONE", "+7916"+digits) {
		t.Errorf("retail contact = %+v", c)
	}

	// The same stage change again (a second delivery): nothing new.
	h.fake.ResetCalls()
	_, res = h.deliver("corp2retail", stageHook(lead, 5312269, 47317618, 47317651, corpID, corp))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if r.Created || r.Changed || len(h.fake.Leads(retail)) == 0 {
		t.Errorf("second delivery: %+v", r)
	}
	if n := len(notesOf(h.fake.Notes(retail, "leads"), ret.ID)); n != 2 {
		t.Errorf("retail lead notes after a redelivery = %d, want 2", n)
	}

	// The retail lead is won: the corporate lead closes as won.
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients["retail"].UpdateLeads(h.ctx, []amocrm.Lead{{ID: ret.ID, PipelineID: 3198184, StatusID: 142}}); err != nil {
		t.Fatal(err)
	}
	h.fake.ResetCalls()
	_, res = h.deliver("corp2retail_success", stageHook(ret.ID, 3198184, 142, 32532880, retailID, retail))
	o = outcome(t, res, &r)
	h.recordHistory(o.JobID, "corp2retail_success")
	if c, _ := h.fake.Lead(corp, lead); c.StatusID != 142 || c.PipelineID != 5312269 || !r.Changed {
		t.Errorf("corporate lead %d/%d (%+v), want won in its pipeline", c.PipelineID, c.StatusID, r)
	}
	// A late fail hook for a lead that is won: nothing changes.
	_, res = h.deliver("corp2retail_fail", stageHook(ret.ID, 3198184, 143, 142, retailID, retail))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if c, _ := h.fake.Lead(corp, lead); c.StatusID != 142 || r.Changed {
		t.Errorf("late fail hook: corporate status %d (%+v)", c.StatusID, r)
	}
}
