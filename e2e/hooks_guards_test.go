package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/amofake"
	"amoflow/workflows"
)

// The C# integration's guard and payment hooks end to end: respchange,
// checkdouble, conferencepaid, retailpaid.

// respHook is the account webhook of a responsible change.
func respHook(entity, action string, id, modified, newResp, oldResp, by int64) string {
	extra := url.Values{"[responsible_user_id]": {fmt.Sprint(newResp)}, "[old_responsible_user_id]": {fmt.Sprint(oldResp)},
		"[modified_user_id]": {fmt.Sprint(by)}}
	if entity == "contacts" {
		extra.Set("[type]", "contact")
	}
	return accountHook(entity, action, id, modified, retailID, retail, extra)
}

func TestWebhookRespChangeRevertsUnauthorizedChanges(t *testing.T) {
	h := newHookHarness(t)
	lead := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Обучение", PipelineID: 3198184, StatusID: 32532883, ResponsibleUserID: 6929800})
	contact := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Ольга", ResponsibleUserID: 6929800})
	h.fake.ResetCalls()

	// A manager took a colleague's lead: reverted.
	now := time.Now().Unix()
	_, res := h.deliver("respchange", respHook("leads", "responsible", lead, now-10, 6929800, 6102562, 6929800))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "respchange_lead")
	if nr, _ := h.callLog("respchange"); nr != 2 || !r.Changed {
		t.Errorf("result %+v, %d retail calls; want the lead reverted with 2", r, nr)
	}
	if l, _ := h.fake.Lead(retail, lead); l.ResponsibleUserID != 6102562 {
		t.Errorf("lead responsible = %d, want 6102562 back", l.ResponsibleUserID)
	}
	// amoCRM reports our revert as another change, by the integration's
	// user (an admin): nothing to do, no amoCRM call.
	h.fake.ResetCalls()
	_, res = h.deliver("respchange", respHook("leads", "responsible", lead, now-5, 6102562, 6929800, 2576764))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if nr, _ := h.callLog("respchange, the echo"); nr != 0 || r.Changed {
		t.Errorf("echo: %+v, %d calls", r, nr)
	}
	// A contact's responsible changed by someone else: reverted too.
	h.fake.ResetCalls()
	_, res = h.deliver("respchange", respHook("contacts", "update", contact, now, 6929800, 6102562, 6929800))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if c, _ := h.fake.Contact(retail, contact); c.ResponsibleUserID != 6102562 || !r.Changed {
		t.Errorf("contact responsible = %d (%+v), want 6102562 back", c.ResponsibleUserID, r)
	}
	// A delivery with no responsible change is ignored and stored nowhere.
	code, _ := h.post("/v1/amo/webhooks/respchange?token="+hookToken, accountHook("leads", "update", lead, now, retailID, retail, nil))
	if code != http.StatusOK {
		t.Errorf("a plain update: %d, want 200 ignored", code)
	}
}

func TestWebhookCheckDoubleNotesOnce(t *testing.T) {
	h := newHookHarness(t)
	inn := fmt.Sprint(7700000000 + freshID()%100000000)
	twin := h.fake.AddCompany(corp, amofake.Company{ID: freshID(), Name: "ООО Ромашка", CustomFields: []amofake.FieldValue{amofake.Text(69123, inn)}})
	id := h.fake.AddCompany(corp, amofake.Company{ID: freshID(), Name: "Ромашка ООО",
		CustomFields: []amofake.FieldValue{amofake.Text(69123, inn), amofake.Email(fmt.Sprintf("info%d@example.ru", twin))}})
	h.fake.ResetCalls()
	now := time.Now().Unix()
	_, res := h.deliver("checkdouble", accountHook("contacts", "update", id, now-5, corpID, corp, url.Values{"[type]": {"company"}}))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "checkdouble")
	if _, nc := h.callLog("checkdouble"); nc != 5 || !r.Changed {
		t.Errorf("result %+v, %d corporate calls; want read, 2 searches, notes, note", r, nc)
	}
	notes := notesOf(h.fake.Notes(corp, "companies"), id, "common")
	if len(notes) != 1 || notes[0].Params["text"] != "ВНИМАНИЕ! Проверьте компанию на дубли по следующим критериям: \n"+inn {
		t.Fatalf("notes = %+v, want one naming the INN only", notes)
	}
	// The next edit of the company sends the hook again: the warning stands.
	_, res = h.deliver("checkdouble", accountHook("contacts", "update", id, now, corpID, corp, url.Values{"[type]": {"company"}}))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if n := len(notesOf(h.fake.Notes(corp, "companies"), id, "common")); n != 1 || r.Changed {
		t.Errorf("after a second hook: %d notes (%+v), want still 1", n, r)
	}
}

func TestWebhookConferencePaid(t *testing.T) {
	h := newHookHarness(t)
	ph := fmt.Sprintf("8916%07d", freshID()%10000000)
	ct := h.fake.AddContact(corp, amofake.Contact{ID: freshID(), Name: "Иван", CustomFields: []amofake.FieldValue{amofake.Phone(ph)}})
	older := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Конференция", PipelineID: 4697182, StatusID: 43009222, ContactIDs: []int64{ct}})
	newer := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Конференция 2", PipelineID: 4697182, StatusID: 43009222, ContactIDs: []int64{ct}})
	h.fake.ResetCalls()
	body := url.Values{"phone": {ph}, "email": {"undefined"}}.Encode()
	a, res := h.deliver("conferencepaid", body)
	var r workflows.PaymentResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "conference_paid")
	if strings.Contains(a.JobID+o.JobID, ph[1:]) {
		t.Errorf("job ids %s %s hold the phone", a.JobID, o.JobID)
	}
	if _, nc := h.callLog("conferencepaid"); nc != 4 || r.LeadID != older {
		t.Errorf("result %+v, %d corporate calls; want the older lead moved with 4", r, nc)
	}
	if l, _ := h.fake.Lead(corp, older); l.StatusID != 43009228 {
		t.Errorf("older lead status = %d, want 43009228 (paid)", l.StatusID)
	}
	if l, _ := h.fake.Lead(corp, newer); l.StatusID != 43009222 {
		t.Errorf("newer lead status = %d, want it still unpaid", l.StatusID)
	}
	// The same form again within the dedup window is the same job.
	if again, _ := h.deliver("conferencepaid", body); again.JobID != a.JobID {
		t.Errorf("second post: job %s, want %s", again.JobID, a.JobID)
	}
	// A form with neither phone nor email is refused and stored nowhere.
	if code, _ := h.post("/v1/amo/webhooks/conferencepaid?token="+hookToken, "phone=&email=undefined"); code != http.StatusBadRequest {
		t.Errorf("no phone, no email: %d, want 400", code)
	}
}

func TestWebhookRetailPaid(t *testing.T) {
	h := newHookHarness(t)
	ph := fmt.Sprintf("8916%07d", freshID()%10000000)
	email := fmt.Sprintf("payer%d@example.ru", freshID())
	byPhone := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Анна", CustomFields: []amofake.FieldValue{amofake.Phone(ph)}})
	byEmail := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Анна П.", CustomFields: []amofake.FieldValue{amofake.Email(email)}})
	h.fake.ResetCalls()
	_, res := h.deliver("retailpaid", url.Values{"phone": {ph}, "email": {email}, "price": {"15000"}}.Encode())
	var r workflows.PaymentResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "retail_paid")
	if nr, _ := h.callLog("retailpaid"); nr != 3 || len(r.ContactIDs) != 2 {
		t.Errorf("result %+v, %d retail calls; want 2 contacts noted with 3", r, nr)
	}
	want := "Поступила оплата в размере 15000 от контакта +7" + ph[1:] + ", " + email
	for _, id := range []int64{byPhone, byEmail} {
		if notes := notesOf(h.fake.Notes(retail, "contacts"), id, "common"); len(notes) != 1 || notes[0].Params["text"] != want {
			t.Errorf("contact %d notes = %+v, want %q", id, notes, want)
		}
	}
	// A payer nobody knows: the job fails with a reason, the phone not in it.
	code, a := h.post("/v1/amo/webhooks/retailpaid?token="+hookToken, url.Values{"phone": {"+7 999 000-00-01"}, "price": {"10"}}.Encode())
	if code != http.StatusAccepted {
		t.Fatalf("unknown payer: %d", code)
	}
	if st := h.waitJob(a.JobID, time.Minute); st.Status != "failed" || strings.Contains(st.Error, "9990000001") {
		t.Errorf("unknown payer: %s %q, want failed without the phone", st.Status, st.Error)
	}
	if code, _ := h.post("/v1/amo/webhooks/retailpaid?token="+hookToken, url.Values{"phone": {ph}, "price": {"много"}}.Encode()); code != http.StatusBadRequest {
		t.Errorf("an unreadable amount: %d, want 400", code)
	}
}
