package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/workflows"
)

// initial_lead end to end: a telephony lead waits (1 s polls here, set
// through the configuration's environment default) until a manager fills
// its call result, then gets phase 2; a redelivery is the same job.
func TestWebhookInitialLeadWaitsForTheCallResult(t *testing.T) {
	t.Setenv("AMOFLOW_CALL_WAIT_INTERVAL", "1s")
	h := newHookHarness(t)
	id := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "sip:74951234567", PipelineID: 3198184, StatusID: 32532880,
		CustomFields: []amofake.FieldValue{amofake.Text(639085, "Прямой звонок"), amofake.Text(644511, "contactForm_tel")}})
	h.fake.ResetCalls()

	body := accountHook("leads", "add", id, time.Now().Unix()-5, retailID, retail, nil)
	code, a := h.post("/v1/amo/webhooks/initial_lead?token="+hookToken, body)
	if code != http.StatusAccepted {
		t.Fatalf("POST = %d", code)
	}
	// Phase 1 is written before the wait.
	deadline := time.Now().Add(90 * time.Second)
	for len(serviceNotes(h.fake.Notes(retail, "leads"), id)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("phase 1 never finished")
		}
		time.Sleep(200 * time.Millisecond)
	}
	l, _ := h.fake.Lead(retail, id)
	if l.Name != "Новая сделка" {
		t.Errorf("after phase 1 the lead is named %q", l.Name)
	}
	time.Sleep(2500 * time.Millisecond) // a few polls with no answer
	// The manager fills the call result, through the API as amoCRM's UI would.
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients["retail"].UpdateLeads(h.ctx, []amocrm.Lead{{ID: id, CustomFieldsValues: amocrm.CustomFields{amocrm.TextField(644675, "Принят")}}}); err != nil {
		t.Fatal(err)
	}

	var res workflows.WebhookResult
	h.completed(a.JobID, &res)
	var r workflows.InitialLeadResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "initial_lead_wait")
	if o.JobID != fmt.Sprintf("wh-retail-initial_lead-lead%d", id) {
		t.Errorf("event job = %s", o.JobID)
	}
	if !r.Waited || !r.Answered || r.Polls < 2 || r.Polls >= 60 {
		t.Errorf("result = %+v, want answered after a few polls", r)
	}
	nr, _ := h.callLog("initial_lead with a wait")
	// read, notes list, phase 1 PATCH, notes, polls, read, phase 2 PATCH, notes (+ our own PATCH).
	if want := 8 + r.Polls; nr != want {
		t.Errorf("retail calls = %d, want %d", nr, want)
	}
	l, _ = h.fake.Lead(retail, id)
	if got := amofake.FirstValue(l.CustomFields, 639075); got != "Прямой звонок" {
		t.Errorf("type = %q", got)
	}
	if got := amofake.FirstValue(l.CustomFields, 644675); got != "Принят" {
		t.Errorf("result = %q (a filled result is kept)", got)
	}
	if l.StatusID != 32532883 {
		t.Errorf("status = %d, want taken into work (32532883)", l.StatusID)
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"Прямой звонок"}) {
		t.Errorf("tags = %v", got)
	}
	notes := notesOf(h.fake.Notes(retail, "leads"), id)
	var texts []string
	for _, n := range notes {
		texts = append(texts, fmt.Sprint(n.NoteType, ":", n.Params["text"]))
	}
	want := []string{`common:Форма: "Заказать обратный звонок"`, "service_message:Phase 1 finished.", "service_message:Phase 2 finished."}
	if !slices.Equal(texts, want) {
		t.Errorf("notes = %v, want %v", texts, want)
	}

	// The same delivery again is the same job; the lead named by another
	// delivery (its unsorted entry accepted) is the same child; an update
	// hook is not for this method. None of them calls amoCRM.
	h.fake.ResetCalls()
	if code, again := h.post("/v1/amo/webhooks/initial_lead?token="+hookToken, body); code != http.StatusAccepted || again.JobID != a.JobID {
		t.Errorf("redelivery: %d %+v, first job %s", code, again, a.JobID)
	}
	accept := url.Values{"unsorted[delete][0][action]": {"accept"}, "unsorted[delete][0][uid]": {"9a8b"},
		"unsorted[delete][0][accept_result][leads][0]": {fmt.Sprint(id)}, "account[id]": {retailID}}
	_, res = h.deliver("initial_lead", accept.Encode())
	// The child is the first one (Temporal answers with it: done, or
	// duplicate while it runs); nothing runs again.
	if len(res.Events) != 1 || res.Events[0].JobID != o.JobID || (res.Events[0].Status != "duplicate" && res.Events[0].Status != "done") {
		t.Errorf("the lead named again: %+v", res.Events)
	}
	code, _ = h.post("/v1/amo/webhooks/initial_lead?token="+hookToken, accountHook("leads", "update", id, time.Now().Unix(), retailID, retail, nil))
	if code != http.StatusOK {
		t.Errorf("update hook = %d, want 200 ignored", code)
	}
	if nr, _ := h.callLog("named again"); nr != 0 {
		t.Errorf("amoCRM called %d times", nr)
	}
}

// A lead made by accepting an unsorted entry arrives as unsorted[delete]
// with the accepted lead's id; a site-form lead needs no wait.
func TestWebhookInitialLeadFromAnAcceptedUnsortedEntry(t *testing.T) {
	h := newHookHarness(t)
	id := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Заявка", PipelineID: 3198184, StatusID: 32532880,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpokurs.com")}})
	h.fake.ResetCalls()
	v := url.Values{
		"unsorted[delete][0][action]":                  {"accept"},
		"unsorted[delete][0][uid]":                     {"0f1e2d3c"},
		"unsorted[delete][0][accept_result][leads][0]": {fmt.Sprint(id)},
		"account[id]":        {retailID},
		"account[subdomain]": {retail},
	}
	_, res := h.deliver("initial_lead", v.Encode())
	var r workflows.InitialLeadResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "initial_lead_site_form")
	if r.Waited || r.Path != "phases" || !r.Changed {
		t.Errorf("result = %+v", r)
	}
	// read, notes list, phase 1 PATCH, phase 2 PATCH, notes.
	if nr, _ := h.callLog("initial_lead, site form"); nr != 5 {
		t.Errorf("retail calls = %d, want 5", nr)
	}
	l, _ := h.fake.Lead(retail, id)
	for field, want := range map[int64]string{639081: "mzpokurs.com", 644675: "Заявка с сайта"} {
		if got := amofake.FirstValue(l.CustomFields, field); got != want {
			t.Errorf("field %d = %q, want %q", field, got, want)
		}
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"mzpokurs.com"}) || l.Name != "Новая сделка" {
		t.Errorf("lead %q, tags %v", l.Name, got)
	}
}

func serviceNotes(notes []amofake.Note, id int64) []amofake.Note {
	return notesOf(notes, id, "service_message")
}

// setcourse and capitalizecourse end to end: the product's SKU becomes the
// course code; without a product the lead gets the reminder and goes back
// to the stage it came from.
func TestWebhookSetCourseAndCapitalizeCourse(t *testing.T) {
	h := newHookHarness(t)
	el := h.fake.AddCatalogElement(retail, amofake.CatalogElement{CatalogID: 12463, Name: "Массаж",
		CustomFields: []amofake.FieldValue{amofake.Text(647993, "ммц-и")}})
	withProduct := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Курс", PipelineID: 3198184, StatusID: 32532883})
	h.fake.AddLink(retail, amofake.Link{EntityType: "leads", EntityID: withProduct, ToEntityType: "catalog_elements", ToEntityID: el,
		Metadata: map[string]any{"catalog_id": 12463, "quantity": 1}})
	h.fake.ResetCalls()
	_, res := h.deliver("setcourse", stageHook(withProduct, 3198184, 32532886, 32532883, retailID, retail))
	o := outcome(t, res, nil)
	h.recordHistory(o.JobID, "set_course")
	if l, _ := h.fake.Lead(retail, withProduct); amofake.FirstValue(l.CustomFields, 357005) != "ММЦ-И" {
		t.Errorf("course = %q", amofake.FirstValue(l.CustomFields, 357005))
	}
	if nr, _ := h.callLog("setcourse with a product"); nr != 3 {
		t.Errorf("retail calls = %d, want 3", nr)
	}

	// No product: the manager moved it on; it goes back.
	bare := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Курс", PipelineID: 3198184, StatusID: 32532883})
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients["retail"].UpdateLeads(h.ctx, []amocrm.Lead{{ID: bare, PipelineID: 3198184, StatusID: 32532886}}); err != nil {
		t.Fatal(err)
	}
	_, res = h.deliver("setcourse", stageHook(bare, 3198184, 32532886, 32532883, retailID, retail))
	var r workflows.HookResult
	outcome(t, res, &r)
	l, _ := h.fake.Lead(retail, bare)
	if l.StatusID != 32532883 || !r.Changed {
		t.Errorf("status = %d, result %+v: want back in 32532883", l.StatusID, r)
	}
	if n := notesOf(h.fake.Notes(retail, "leads"), bare, "common"); len(n) != 1 || n[0].Params["text"] != "Укажите, пожалуйста, товар в сделке." {
		t.Errorf("notes = %+v", n)
	}

	// capitalizecourse.
	lower := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Курс", PipelineID: 3198184, StatusID: 32532883,
		CustomFields: []amofake.FieldValue{amofake.Text(357005, " кос-1 ")}})
	_, res = h.deliver("capitalizecourse", stageHook(lower, 3198184, 32532883, 32532880, retailID, retail))
	h.recordHistory(outcome(t, res, nil).JobID, "capitalize_course")
	if l, _ := h.fake.Lead(retail, lower); amofake.FirstValue(l.CustomFields, 357005) != "КОС-1" {
		t.Errorf("capitalized course = %q", amofake.FirstValue(l.CustomFields, 357005))
	}
}

// unsorted_accept end to end: a form's unsorted entry is accepted (its
// lead leaves the unsorted stage), a WhatsApp chat's is left to managers.
func TestWebhookUnsortedAccept(t *testing.T) {
	h := newHookHarness(t)
	form := newUnsorted(t, h)
	chat := newUnsorted(t, h)
	h.fake.ResetCalls()
	v := url.Values{
		"unsorted[add][0][uid]":                  {form},
		"unsorted[add][0][source_data][service]": {"com.example.site"},
		"unsorted[add][1][uid]":                  {chat},
		"unsorted[add][1][source_data][service]": {"com.wazzup24.wz"},
		"account[id]":                            {retailID},
	}
	_, res := h.deliver("unsorted_accept", v.Encode())
	if len(res.Events) != 2 || res.Events[0].Status != "done" || res.Events[1].Status != "done" {
		t.Fatalf("events = %+v", res.Events)
	}
	first := res.Events[0].JobID
	h.recordHistory(first, "unsorted_accept")
	if nr, _ := h.callLog("unsorted_accept"); nr != 1 {
		t.Errorf("retail calls = %d, want the one accept", nr)
	}
	accepted := 0
	for _, l := range h.fake.Leads(retail) {
		if l.StatusID != amofake.UnsortedStatusID {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d leads left the unsorted stage, want 1", accepted)
	}
	// The same entry again (say, redelivered in another batch): not accepted twice.
	h.fake.ResetCalls()
	again := url.Values{"unsorted[add][0][uid]": {form}, "unsorted[add][0][source_data][service]": {"com.example.site"}, "account[id]": {retailID}}
	_, res = h.deliver("unsorted_accept", again.Encode())
	if len(res.Events) != 1 || res.Events[0].JobID != first {
		t.Errorf("events = %+v", res.Events)
	}
	if nr, _ := h.callLog("unsorted_accept again"); nr != 0 {
		t.Errorf("retail calls = %d, want none", nr)
	}
}

// newUnsorted adds an unsorted entry through the API, as a site's form
// integration does, and returns its uid.
func newUnsorted(t *testing.T, h *hookHarness) string {
	t.Helper()
	tok := h.fake.IssueToken(retail, 0)
	body := fmt.Sprintf(`[{"source_name":"site","source_uid":"form-%d","_embedded":{"leads":[{"name":"Заявка"}]}}]`, freshID())
	req, _ := http.NewRequest(http.MethodPost, h.cfg.Accounts["retail"].BaseURL+"/api/v4/leads/unsorted/forms", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Embedded struct {
			Unsorted []struct {
				UID string `json:"uid"`
			} `json:"unsorted"`
		} `json:"_embedded"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || len(out.Embedded.Unsorted) != 1 {
		t.Fatalf("unsorted/forms = %d %v %+v", resp.StatusCode, err, out)
	}
	return out.Embedded.Unsorted[0].UID
}
