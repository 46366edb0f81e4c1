package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/eventsapi"
	"amoflow/mq"
	"amoflow/workflows"
)

// The amoCRM webhook flows end to end: HTTP → RabbitMQ → bridge →
// HandleWebhook → one child workflow per event → both fake accounts (and
// the fake events API and 1C).

const (
	corp        = "mzpoeducation"
	retailID    = "28395871"
	corpID      = "19453687"
	hookToken   = "e2e-hook-token"
	eventSecret = "e2e-events-secret"
)

// hookIDs hands out entity ids no other test uses: event job ids are made
// of entity ids, and every test shares one Temporal namespace.
var hookIDs atomic.Int64

func init() { hookIDs.Store(5_000_000_000) }

func freshID() int64 { return hookIDs.Add(1) }

// hookHarness is a harness with a webhook token and the fake events API
// (and the harness's fake 1C).
type hookHarness struct {
	*harness
	events *eventsapi.Fake
}

func newHookHarness(t *testing.T) *hookHarness {
	t.Helper()
	ev := eventsapi.NewFake(eventSecret)
	evSrv := httptest.NewServer(ev)
	t.Cleanup(evSrv.Close)
	h := newHarness(t, func(cfg *config.Config) {
		cfg.Inbound.WebhookToken = hookToken
		cfg.EventsAPI.URL, cfg.EventsAPI.Secret = evSrv.URL, eventSecret
	})
	return &hookHarness{harness: h, events: ev}
}

// webhookAnswer is the starter's 202.
type webhookAnswer struct {
	JobID       string   `json:"job_id"`
	StatusURL   string   `json:"status_url"`
	EventJobIDs []string `json:"event_job_ids"`
}

// post sends a webhook body to a path and returns the status and answer.
func (h *hookHarness) post(path, body string) (int, webhookAnswer) {
	h.t.Helper()
	resp, err := http.Post(h.api.URL+path, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a webhookAnswer
	if err := json.Unmarshal(raw, &a); err != nil && resp.StatusCode < 300 {
		h.t.Fatalf("answer %d %s: %v", resp.StatusCode, raw, err) // refusals may be plain text
	}
	return resp.StatusCode, a
}

// deliver posts a webhook that must be accepted and waits for its job.
func (h *hookHarness) deliver(method, body string) (webhookAnswer, workflows.WebhookResult) {
	h.t.Helper()
	code, a := h.post("/v1/amo/webhooks/"+method+"?token="+hookToken, body)
	if code != http.StatusAccepted || a.JobID == "" || !strings.HasPrefix(a.StatusURL, h.api.URL+"/v1/jobs/"+a.JobID+"/") {
		h.t.Fatalf("POST %s webhook = %d %+v, want 202 with a job", method, code, a)
	}
	var res workflows.WebhookResult
	h.completed(a.JobID, &res)
	return a, res
}

// outcome decodes the result of the delivery's only event.
func outcome(t *testing.T, res workflows.WebhookResult, into any) workflows.EventOutcome {
	t.Helper()
	if len(res.Events) != 1 {
		t.Fatalf("events = %+v, want one", res.Events)
	}
	o := res.Events[0]
	if o.Status != "done" {
		t.Fatalf("event %s: %s %s", o.JobID, o.Status, o.Error)
	}
	if into != nil {
		if err := json.Unmarshal(o.Result, into); err != nil {
			t.Fatalf("result %s: %v", o.Result, err)
		}
	}
	return o
}

// stageHook is a digital-pipeline hook: minimal, no modification time.
func stageHook(leadID, pipeline, status, oldStatus int64, account, sub string) string {
	return fmt.Sprintf("leads[status][0][id]=%d&leads[status][0][status_id]=%d&leads[status][0][pipeline_id]=%d&leads[status][0][old_status_id]=%d&leads[status][0][old_pipeline_id]=%d&account[id]=%s&account[subdomain]=%s",
		leadID, status, pipeline, oldStatus, pipeline, account, sub)
}

// accountHook is an account webhook: the whole entity, with its times.
func accountHook(entity, action string, id, modified int64, account, sub string, extra url.Values) string {
	v := url.Values{}
	p := fmt.Sprintf("%s[%s][0]", entity, action)
	v.Set(p+"[id]", fmt.Sprint(id))
	v.Set(p+"[last_modified]", fmt.Sprint(modified))
	v.Set(p+"[updated_at]", fmt.Sprint(modified))
	for k, vs := range extra {
		v[p+k] = vs
	}
	v.Set("account[id]", account)
	v.Set("account[subdomain]", sub)
	v.Set("account[_links][self]", "https://"+sub+".amocrm.ru")
	return v.Encode()
}

// seedNotes adds notes through the API (the fake has no seeding call for them).
func (h *hookHarness) seedNotes(account string, entity amocrm.EntityType, notes ...amocrm.Note) {
	h.t.Helper()
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := clients[account].AddNotes(h.ctx, entity, notes); err != nil {
		h.t.Fatal(err)
	}
}

// callLog reports the amoCRM requests of both accounts since the last reset.
func (h *hookHarness) callLog(what string) (int, int) {
	r, c := h.apiCalls(retail), h.apiCalls(corp)
	h.t.Logf("amoCRM calls, %s: retail %d %v; corporate %d %v", what, len(r), r, len(c), c)
	return len(r), len(c)
}

func tagNames(tags []amofake.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

func notesOf(notes []amofake.Note, entityID int64, types ...string) []amofake.Note {
	var out []amofake.Note
	for _, n := range notes {
		if n.EntityID == entityID && (len(types) == 0 || slices.Contains(types, n.NoteType)) {
			out = append(out, n)
		}
	}
	return out
}

// retailClient seeds a retail lead handed over by ret2corp: a person with
// two calls and a lead with fields, tags and two comments.
func (h *hookHarness) retailClient(phone, email string) (leadID, contactID int64) {
	h.t.Helper()
	contactID = h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Ольга Петрова",
		CustomFields: []amofake.FieldValue{amofake.Phone(phone), amofake.Email(email)}})
	leadID = h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Обучение сотрудников", PipelineID: 3198184, StatusID: 35942104, Price: 45000,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpo-s.ru"), amofake.Text(639081, "mzpo-s.ru"),
			amofake.Text(639083, "https://mzpo-s.ru/corp"), amofake.Text(639085, "yandex_direct"), amofake.Text(644675, "not copied")},
		Tags:       []amofake.Tag{{ID: 246137, Name: "mzpo-s.ru"}, {ID: 264383, Name: "Ручная"}},
		ContactIDs: []int64{contactID}})
	h.seedNotes("retail", amocrm.EntityLeads,
		amocrm.CommonNote(leadID, "Перезвонить в понедельник"),
		amocrm.CommonNote(leadID, "Нужен договор на 5 сотрудников"))
	h.seedNotes("retail", amocrm.EntityContacts,
		amocrm.Note{EntityID: contactID, NoteType: amocrm.NoteCallIn, Params: amocrm.NoteParams{UniqID: "call-1-" + phone, Duration: 65, Source: "telephony", Phone: phone, Link: "https://rec.example/1"}},
		amocrm.Note{EntityID: contactID, NoteType: amocrm.NoteCallOut, Params: amocrm.NoteParams{UniqID: "call-2-" + phone, Duration: 30, Source: "telephony", Phone: phone}})
	return leadID, contactID
}

func TestWebhookRet2CorpHandsOverOnceAndIgnoresRedelivery(t *testing.T) {
	h := newHookHarness(t)
	leadID, _ := h.retailClient("8 (916) 555-12-34", "Olga@Corp.example")
	h.fake.ResetCalls()

	body := stageHook(leadID, 3198184, 35942104, 32532883, retailID, retail)
	a, res := h.deliver("ret2corp", body)
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(a.JobID, "handle_webhook_ret2corp")
	// ret2corp_new_person.json is the same hand-over before the company
	// search and before the Postgres steps became local activities (both
	// still replayed); this run records the current commands.
	h.recordHistory(o.JobID, "ret2corp_new_person_local_pg")
	if nr, nc := h.callLog("ret2corp, new person"); nr != 4 || nc != 8 {
		t.Errorf("calls = retail %d, corporate %d; want 4 and 8 (2 company searches)", nr, nc)
	}
	if !r.Created || r.TargetLeadID == 0 || r.TargetContactID == 0 {
		t.Fatalf("result = %+v", r)
	}

	leads := h.fake.Leads(corp)
	if len(leads) != 1 || leads[0].ID != r.TargetLeadID {
		t.Fatalf("corporate leads = %+v", leads)
	}
	cl := leads[0]
	if cl.Name != "Обучение сотрудников" || cl.PipelineID != 5312269 || cl.StatusID != 47317618 || cl.Price != 45000 || cl.ResponsibleUserID != 8628763 {
		t.Errorf("corporate lead = %+v (want the first manager of the pool)", cl)
	}
	for field, want := range map[int64]string{752191: fmt.Sprint(leadID), 748383: "Заявка с формы Записаться mzpo-s.ru", 758213: "mzpo-s.ru", 758215: "https://mzpo-s.ru/corp", 748385: "yandex_direct"} {
		if got := amofake.FirstValue(cl.CustomFields, field); got != want {
			t.Errorf("corporate field %d = %q, want %q", field, got, want)
		}
	}
	if got := tagNames(cl.Tags); !slices.Equal(got, []string{"mzpo-s.ru", "mzpo.education", "Ручная", "Сделка из розницы"}) {
		t.Errorf("corporate tags = %v", got)
	}
	for _, tg := range cl.Tags {
		if tg.ID == 246137 || tg.ID == 264383 {
			t.Errorf("a retail tag id reached the corporate account: %+v", tg)
		}
	}
	contacts := h.fake.Contacts(corp)
	if len(contacts) != 1 || contacts[0].ID != r.TargetContactID || !slices.Contains(cl.ContactIDs, contacts[0].ID) {
		t.Fatalf("corporate contacts = %+v, lead links %v", contacts, cl.ContactIDs)
	}
	if c := contacts[0]; !hasValue(c.CustomFields, "PHONE", "+79165551234") || !hasValue(c.CustomFields, "EMAIL", "olga@corp.example") || c.ResponsibleUserID != 8628763 {
		t.Errorf("corporate contact = %+v", c)
	}
	if n := notesOf(h.fake.Notes(corp, "leads"), cl.ID); len(n) != 1 || n[0].Params["text"] != "Нужен договор на 5 сотрудников" {
		t.Errorf("corporate lead notes = %+v, want the last comment once", n)
	}
	if n := notesOf(h.fake.Notes(corp, "contacts"), contacts[0].ID, "call_in", "call_out"); len(n) != 2 {
		t.Errorf("corporate contact calls = %+v, want the 2 calls", n)
	}
	if rl, _ := h.fake.Lead(retail, leadID); rl.StatusID != 35942104 {
		t.Errorf("retail lead status = %d", rl.StatusID)
	}

	// amoCRM posts the same delivery again: the same job, nothing new.
	if code, again := h.post("/v1/amo/webhooks/ret2corp?token="+hookToken, body); code != http.StatusAccepted || again.JobID != a.JobID {
		t.Fatalf("redelivery: %d %+v, first job %s", code, again, a.JobID)
	}
	// Another event for the lead (an account hook, later): another job, which finds the corporate lead.
	h.fake.ResetCalls()
	_, res = h.deliver("ret2corp", accountHook("leads", "update", leadID, time.Now().Unix(), retailID, retail, nil))
	var again workflows.HookResult
	outcome(t, res, &again)
	h.callLog("ret2corp, already handed over")
	if again.Created || again.Changed || again.TargetLeadID != cl.ID || !strings.Contains(again.Skipped, "already handed over") {
		t.Fatalf("second event = %+v", again)
	}
	if n := len(h.fake.Leads(corp)); n != 1 {
		t.Fatalf("corporate leads = %d", n)
	}
	if n := len(h.fake.Notes(corp, "")); n != 3 {
		t.Fatalf("corporate notes = %d, want 3 (no copy twice)", n)
	}
}

// Two hand-overs: a person who is a corporate client with an open sales
// lead (the hand-over joins that lead) and a new person whose email a
// corporate company holds (the new lead is linked to the company and goes
// to its manager).
func TestWebhookRet2CorpJoinsOpenLeadAndLinksCompany(t *testing.T) {
	h := newHookHarness(t)
	now := time.Now().Unix()
	joinLead, _ := h.retailClient("8 (916) 555-40-01", "join@corp.example")
	won := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Прошлый договор", PipelineID: 5312269, StatusID: 142, UpdatedAt: now})
	open := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Обучение 2027", PipelineID: 5312269, StatusID: 47317618, ResponsibleUserID: 2375131, UpdatedAt: now - 100})
	agr := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Договорной", PipelineID: 5238031, StatusID: 46783762, UpdatedAt: now})
	client := h.fake.AddContact(corp, amofake.Contact{ID: freshID(), Name: "Ольга Петрова", ResponsibleUserID: 2375131,
		CustomFields: []amofake.FieldValue{amofake.Phone("+79165554001")}, LeadIDs: []int64{won, open, agr}})
	companyLead, _ := h.retailClient("8 (916) 555-40-02", "hr@firm.example")
	firm := h.fake.AddCompany(corp, amofake.Company{ID: freshID(), Name: "ООО Фирма", ResponsibleUserID: 2375116,
		CustomFields: []amofake.FieldValue{amofake.Email("HR@firm.example")}})
	// Another company merely contains the digits: amoCRM's fuzzy search returns it, the flow must not take it.
	h.fake.AddCompany(corp, amofake.Company{ID: freshID(), Name: "Другая", ResponsibleUserID: 8628763,
		CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 555-40-020")}})
	h.fake.ResetCalls()

	// The person with an open corporate lead.
	_, res := h.deliver("ret2corp", stageHook(joinLead, 3198184, 35942104, 32532883, retailID, retail))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "ret2corp_open_lead")
	h.callLog("ret2corp, open corporate lead")
	if r.Created || !r.Changed || r.TargetLeadID != open || r.TargetContactID != client {
		t.Fatalf("result = %+v, want the open lead %d of contact %d joined", r, open, client)
	}
	if n := len(h.fake.Leads(corp)); n != 3 {
		t.Errorf("corporate leads = %d, want the 3 seeded (none created)", n)
	}
	l, _ := h.fake.Lead(corp, open)
	if got := amofake.FirstValue(l.CustomFields, 752191); got != fmt.Sprint(joinLead) {
		t.Errorf("RET_ID on the joined lead = %q, want %d", got, joinLead)
	}
	if l.ResponsibleUserID != 2375131 || l.StatusID != 47317618 || l.Name != "Обучение 2027" {
		t.Errorf("joined lead changed beyond RET_ID: %+v", l)
	}
	if n := notesOf(h.fake.Notes(corp, "leads"), open); len(n) != 1 || n[0].Params["text"] != "Нужен договор на 5 сотрудников" {
		t.Errorf("joined lead notes = %+v, want the last comment", n)
	}
	if n := notesOf(h.fake.Notes(corp, "contacts"), client, "call_in", "call_out"); len(n) != 2 {
		t.Errorf("client calls = %d, want 2", len(n))
	}
	if c, _ := h.fake.Contact(corp, client); c.ResponsibleUserID != 2375131 {
		t.Errorf("the client's manager changed: %d", c.ResponsibleUserID)
	}
	if rl, _ := h.fake.Lead(retail, joinLead); rl.StatusID != 35942104 {
		t.Errorf("retail lead status = %d", rl.StatusID)
	}
	// A later event of the lead finds the joined lead by RET_ID: nothing new.
	_, res = h.deliver("ret2corp", accountHook("leads", "update", joinLead, time.Now().Unix(), retailID, retail, nil))
	var again workflows.HookResult
	outcome(t, res, &again)
	if again.Changed || again.TargetLeadID != open || !strings.Contains(again.Skipped, "already handed over") {
		t.Fatalf("second event = %+v", again)
	}
	if n := len(notesOf(h.fake.Notes(corp, "leads"), open)); n != 1 {
		t.Errorf("joined lead notes = %d after a repeat, want 1", n)
	}

	// The new person of a known company.
	h.fake.ResetCalls()
	_, res = h.deliver("ret2corp", stageHook(companyLead, 3198184, 35942104, 32532883, retailID, retail))
	o = outcome(t, res, &r)
	h.recordHistory(o.JobID, "ret2corp_company")
	if nr, nc := h.callLog("ret2corp, new person of a company"); nr != 4 || nc != 8 {
		t.Errorf("calls = retail %d, corporate %d; want 4 and 8", nr, nc)
	}
	if !r.Created {
		t.Fatalf("result = %+v", r)
	}
	nl, _ := h.fake.Lead(corp, r.TargetLeadID)
	if !slices.Equal(nl.CompanyIDs, []int64{firm}) || nl.ResponsibleUserID != 2375116 {
		t.Errorf("new corporate lead: companies %v, responsible %d; want company %d and its manager 2375116", nl.CompanyIDs, nl.ResponsibleUserID, firm)
	}
	if c, _ := h.fake.Contact(corp, r.TargetContactID); c.ResponsibleUserID != 2375116 {
		t.Errorf("new corporate contact responsible = %d", c.ResponsibleUserID)
	}

	// A new person of no known company, but the retail lead has a company
	// whose INN a corporate company holds.
	innLead, _ := h.retailClient("8 (916) 555-40-03", "buh@other.example")
	h.fake.AddCompany(retail, amofake.Company{ID: freshID(), Name: "ООО Другая", LeadIDs: []int64{innLead},
		CustomFields: []amofake.FieldValue{amofake.Text(644317, "7701 234 567")}})
	twin := h.fake.AddCompany(corp, amofake.Company{ID: freshID(), Name: "Другая (корп.)", ResponsibleUserID: 2375131,
		CustomFields: []amofake.FieldValue{amofake.Text(69123, "7701234567")}})
	h.fake.ResetCalls()
	_, res = h.deliver("ret2corp", stageHook(innLead, 3198184, 35942104, 32532883, retailID, retail))
	o = outcome(t, res, &r)
	h.recordHistory(o.JobID, "ret2corp_retail_company")
	if nr, nc := h.callLog("ret2corp, the retail lead's company"); nr != 5 || nc != 9 {
		t.Errorf("calls = retail %d, corporate %d; want 5 (+ the company) and 9 (+ the INN search)", nr, nc)
	}
	nl, _ = h.fake.Lead(corp, r.TargetLeadID)
	if !slices.Equal(nl.CompanyIDs, []int64{twin}) || nl.ResponsibleUserID != 2375131 {
		t.Errorf("new corporate lead: companies %v, responsible %d; want company %d (same INN) and its manager", nl.CompanyIDs, nl.ResponsibleUserID, twin)
	}
}

func TestWebhookRet2CorpBatchOfThreeLeads(t *testing.T) {
	h := newHookHarness(t)
	var ids []int64
	for i := range 3 {
		id, _ := h.retailClient(fmt.Sprintf("+7 903 555-10-%02d", i), fmt.Sprintf("batch%d@corp.example", i))
		ids = append(ids, id)
	}
	// The third person is already a corporate client of the second manager.
	h.fake.AddContact(corp, amofake.Contact{Name: "Ольга Петрова", ResponsibleUserID: 2375116, CustomFields: []amofake.FieldValue{amofake.Phone("89035551002")}})
	h.fake.ResetCalls()
	var body []string
	for i, id := range ids {
		body = append(body, strings.ReplaceAll(stageHook(id, 3198184, 35942104, 32532883, retailID, retail), "[0]", fmt.Sprintf("[%d]", i)))
	}
	a, res := h.deliver("ret2corp", strings.Join(body, "&"))
	if len(a.EventJobIDs) != 3 || len(res.Events) != 3 {
		t.Fatalf("answer %+v, result %+v: want three events", a, res)
	}
	h.callLog("ret2corp, batch of three")
	var managers []int64
	for i, o := range res.Events {
		var r workflows.HookResult
		if err := json.Unmarshal(o.Result, &r); err != nil {
			t.Fatal(err)
		}
		if o.Status != "done" || r.LeadID != ids[i] || r.TargetLeadID == 0 {
			t.Fatalf("event %d = %+v %+v", i, o, r)
		}
		l, _ := h.fake.Lead(corp, r.TargetLeadID)
		managers = append(managers, l.ResponsibleUserID)
		if got := amofake.FirstValue(l.CustomFields, 752191); got != fmt.Sprint(ids[i]) {
			t.Errorf("RET_ID = %s, want %d", got, ids[i])
		}
	}
	if n := len(h.fake.Leads(corp)); n != 3 {
		t.Fatalf("corporate leads = %d", n)
	}
	if n := len(h.fake.Contacts(corp)); n != 3 {
		t.Fatalf("corporate contacts = %d, want 2 new + the existing one", n)
	}
	if managers[2] != 2375116 {
		t.Errorf("the known client's lead went to %d, want their manager 2375116", managers[2])
	}
	slices.Sort(managers[:2])
	if managers[0] == managers[1] || !slices.Contains([]int64{8628763, 2375116, 2375131}, managers[0]) {
		t.Errorf("round robin gave %v", managers)
	}

	// Another delivery carrying one of those events and a new one: the known
	// event is the job already done, only the new one runs.
	fourth, _ := h.retailClient("+7 903 555-10-09", "batch9@corp.example")
	mixed := body[0] + "&" + strings.ReplaceAll(stageHook(fourth, 3198184, 35942104, 32532883, retailID, retail), "[0]", "[1]")
	a2, res2 := h.deliver("ret2corp", mixed)
	if a2.JobID == a.JobID || len(res2.Events) != 2 || res2.Events[0].Status != "duplicate" || res2.Events[0].JobID != a.EventJobIDs[0] || res2.Events[1].Status != "done" {
		t.Fatalf("mixed delivery: %+v", res2)
	}
	if n := len(h.fake.Leads(corp)); n != 4 {
		t.Fatalf("corporate leads = %d, want 4", n)
	}
}

func TestWebhookRet2CorpSurvivesAWorkerCrash(t *testing.T) {
	h := newHookHarness(t)
	leadID, _ := h.retailClient("+7 (926) 700-00-01", "crash@corp.example")
	// Slow corporate calls leave time to kill the workers between two steps.
	h.fake.SetFaults(corp, amofake.Faults{Latency: 300 * time.Millisecond})
	code, a := h.post("/v1/amo/webhooks/ret2corp?token="+hookToken, stageHook(leadID, 3198184, 35942104, 32532883, retailID, retail))
	if code != http.StatusAccepted {
		t.Fatalf("POST = %d", code)
	}
	waitFor(t, time.Minute, "the corporate lead", func() bool { return len(h.fake.Leads(corp)) > 0 })
	h.killWorkers() // after the create, before the notes
	notesAtCrash := len(h.fake.Notes(corp, ""))
	h.fake.SetFaults(corp, amofake.Faults{})
	h.startWorkers()
	var res workflows.WebhookResult
	h.completed(a.JobID, &res)
	var r workflows.HookResult
	outcome(t, res, &r)
	t.Logf("crash after the create: %d corporate notes existed at the crash", notesAtCrash)
	if n := len(h.fake.Leads(corp)); n != 1 {
		t.Fatalf("corporate leads = %d, want 1", n)
	}
	if n := len(h.fake.Contacts(corp)); n != 1 {
		t.Fatalf("corporate contacts = %d, want 1", n)
	}
	if n := len(notesOf(h.fake.Notes(corp, "leads"), r.TargetLeadID)); n != 1 {
		t.Fatalf("lead notes = %d, want 1", n)
	}
	if n := len(notesOf(h.fake.Notes(corp, "contacts"), r.TargetContactID)); n != 2 {
		t.Fatalf("contact calls = %d, want 2", n)
	}

	// The same work run again from scratch (an operator re-runs the failed
	// event, or the lead re-enters the stage) changes nothing.
	_, res = h.deliver("ret2corp", accountHook("leads", "status", leadID, time.Now().Unix(), retailID, retail, url.Values{"[status_id]": {"35942104"}}))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if r.Changed || len(h.fake.Leads(corp)) != 1 || len(h.fake.Notes(corp, "")) != 3 {
		t.Fatalf("re-run: %+v, leads %d, notes %d", r, len(h.fake.Leads(corp)), len(h.fake.Notes(corp, "")))
	}
}

func TestWebhookCorp2RetWonAndLost(t *testing.T) {
	h := newHookHarness(t)
	won := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "won", PipelineID: 3198184, StatusID: 35942104, Price: 1000})
	lost := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "lost", PipelineID: 3198184, StatusID: 35942104})
	cWon := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), PipelineID: 5312269, StatusID: 142, Price: 90000, CustomFields: []amofake.FieldValue{amofake.Text(752191, fmt.Sprint(won))}})
	cLost := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), PipelineID: 5312269, StatusID: 143, CustomFields: []amofake.FieldValue{amofake.Text(752191, fmt.Sprint(lost))}})
	cOpen := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), PipelineID: 5312269, StatusID: 47317618, CustomFields: []amofake.FieldValue{amofake.Text(752191, fmt.Sprint(lost))}})
	h.fake.ResetCalls()

	a, res := h.deliver("corp2ret", stageHook(cWon, 5312269, 142, 47317651, corpID, corp))
	o := outcome(t, res, nil)
	h.recordHistory(o.JobID, "corp2ret_won")
	h.callLog("corp2ret")
	if l, _ := h.fake.Lead(retail, won); l.StatusID != 142 || l.PipelineID != 3198184 || l.Price != 90000 {
		t.Errorf("retail lead = %d/%d price %d, want won in its pipeline with the corporate price", l.PipelineID, l.StatusID, l.Price)
	}
	_ = a

	_, res = h.deliver("corp2ret_fail", stageHook(cLost, 5312269, 143, 47317651, corpID, corp))
	o = outcome(t, res, nil)
	h.recordHistory(o.JobID, "corp2ret_fail")
	if l, _ := h.fake.Lead(retail, lost); l.StatusID != 143 {
		t.Errorf("retail lead = status %d, want 143 (the old code never did this)", l.StatusID)
	}
	// A fail hook for a corporate lead that is not lost changes nothing.
	h.fake.ResetCalls()
	_, res = h.deliver("corp2ret_fail", stageHook(cOpen, 5312269, 47317618, 47317651, corpID, corp))
	var r workflows.HookResult
	outcome(t, res, &r)
	if r.Changed || !strings.Contains(r.Skipped, "not in status 143") {
		t.Fatalf("open corporate lead: %+v", r)
	}
	// The won hook again, in a later window (amoCRM does not dedupe for us): nothing to write.
	h.fake.ResetCalls()
	_, res = h.deliver("corp2ret", accountHook("leads", "status", cWon, time.Now().Unix(), corpID, corp, url.Values{"[status_id]": {"142"}}))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if nr, _ := h.callLog("corp2ret, already won"); r.Changed || nr != 1 {
		t.Fatalf("already won: %+v, retail calls %d (one read, no update)", r, nr)
	}
}

func TestWebhookCorp2AgrAndBack(t *testing.T) {
	h := newHookHarness(t)
	c1 := h.fake.AddContact(corp, amofake.Contact{Name: "Директор", CustomFields: []amofake.FieldValue{amofake.Phone("+74951112233")}})
	c2 := h.fake.AddContact(corp, amofake.Contact{Name: "Бухгалтер"})
	co := h.fake.AddCompany(corp, amofake.Company{Name: "ООО Ромашка"})
	src := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Ромашка: охрана труда", PipelineID: 5312269, StatusID: 47337076, Price: 120000, ResponsibleUserID: 2375131,
		CustomFields: []amofake.FieldValue{amofake.Text(748383, "Заявка с сайта"), amofake.Text(752191, "31234567"), amofake.Text(758643, "PROMO")},
		Tags:         []amofake.Tag{{ID: 1212821, Name: "Сделка из розницы"}},
		ContactIDs:   []int64{c1, c2}, CompanyIDs: []int64{co}})
	h.seedNotes("corp", amocrm.EntityLeads, amocrm.CommonNote(src, "КП отправлено"), amocrm.CommonNote(src, "Согласовали договор"))
	h.fake.ResetCalls()

	_, res := h.deliver("corp2agr", stageHook(src, 5312269, 47337076, 47317618, corpID, corp))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "corp2agr")
	if _, nc := h.callLog("corp2agr"); nc != 7 {
		t.Errorf("corporate calls = %d, want 7", nc)
	}
	agr, ok := h.fake.Lead(corp, r.TargetLeadID)
	if !ok || !r.Created || agr.PipelineID != 5238031 || agr.StatusID != 46783762 || agr.ResponsibleUserID != 8127907 || agr.Price != 120000 || agr.Name != "Ромашка: охрана труда" {
		t.Fatalf("contract lead = %+v (result %+v)", agr, r)
	}
	for field, want := range map[int64]string{759479: fmt.Sprint(src), 761425: "manager 3", 748383: "Заявка с сайта", 758643: "PROMO", 752191: ""} {
		if got := amofake.FirstValue(agr.CustomFields, field); got != want {
			t.Errorf("contract lead field %d = %q, want %q", field, got, want)
		}
	}
	if !slices.Equal(agr.ContactIDs, []int64{c1, c2}) || !slices.Equal(agr.CompanyIDs, []int64{co}) {
		t.Errorf("contract lead links: contacts %v, companies %v", agr.ContactIDs, agr.CompanyIDs)
	}
	if got := tagNames(agr.Tags); !slices.Equal(got, []string{"Сделка из розницы"}) {
		t.Errorf("contract lead tags = %v", got)
	}
	var texts []string
	for _, n := range notesOf(h.fake.Notes(corp, "leads"), agr.ID) {
		texts = append(texts, fmt.Sprint(n.Params["text"]))
	}
	if !slices.Equal(texts, []string{"Ответственный менеджер в корпорате: manager 3", "КП отправлено", "Согласовали договор"}) {
		t.Errorf("contract lead notes = %q", texts)
	}
	s, _ := h.fake.Lead(corp, src)
	if got := amofake.FirstValue(s.CustomFields, 759477); got != fmt.Sprint(agr.ID) {
		t.Errorf("source LEAD_DOG = %q, want %d", got, agr.ID)
	}

	// Sent again (the stage re-entered): LEAD_DOG says it is done.
	_, res = h.deliver("corp2agr", accountHook("leads", "status", src, time.Now().Unix(), corpID, corp, nil))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if r.Changed || r.TargetLeadID != agr.ID || len(h.fake.Leads(corp)) != 2 {
		t.Fatalf("second corp2agr: %+v, leads %d", r, len(h.fake.Leads(corp)))
	}

	// Back from the contract department: the source moves to "bill sent", once.
	h.fake.ResetCalls()
	_, res = h.deliver("agr2corp", stageHook(agr.ID, 5238031, 142, 46783762, corpID, corp))
	r = workflows.HookResult{}
	o = outcome(t, res, &r)
	h.recordHistory(o.JobID, "agr2corp")
	h.callLog("agr2corp")
	if s, _ = h.fake.Lead(corp, src); s.PipelineID != 5312269 || s.StatusID != 47317651 {
		t.Fatalf("source lead = %d/%d, want 5312269/47317651", s.PipelineID, s.StatusID)
	}
	_, res = h.deliver("agr2corp", accountHook("leads", "status", agr.ID, time.Now().Unix(), corpID, corp, nil))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if r.Changed || !strings.Contains(r.Skipped, "not waiting") {
		t.Fatalf("agr2corp for a source in another stage: %+v", r)
	}
}

func TestWebhookAvitoLead(t *testing.T) {
	h := newHookHarness(t)
	id := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Авито", PipelineID: 3198184, StatusID: 32532880,
		CustomFields: []amofake.FieldValue{amofake.Text(731115, "Массаж"), amofake.Text(639081, "old.site"), amofake.Text(644675, "Звонок")},
		Tags:         []amofake.Tag{{ID: 264383, Name: "Ручная"}, {ID: 246137, Name: "mzpo-s.ru"}}})
	h.fake.ResetCalls()
	extra := url.Values{"[custom_fields][0][id]": {"731115"}, "[custom_fields][0][name]": {"Курс Авито"}, "[custom_fields][0][values][0][value]": {"Массаж"},
		"[tags][0][id]": {"264383"}, "[tags][0][name]": {"Ручная"}, "[status_id]": {"32532880"}, "[pipeline_id]": {"3198184"}}
	_, res := h.deliver("avito_lead", accountHook("leads", "add", id, time.Now().Unix()-5, retailID, retail, extra))
	o := outcome(t, res, nil)
	h.recordHistory(o.JobID, "avito_lead")
	if nr, _ := h.callLog("avito_lead"); nr != 2 {
		t.Errorf("retail calls = %d, want 2", nr)
	}
	l, _ := h.fake.Lead(retail, id)
	for field, want := range map[int64]string{639075: "Заявка записаться на Массаж с Авито", 639081: "Avito.ru", 639085: "Avito.ru", 644675: "Заявка с Авито"} {
		if got := amofake.FirstValue(l.CustomFields, field); got != want {
			t.Errorf("field %d = %q, want %q", field, got, want)
		}
	}
	for _, f := range l.CustomFields {
		if len(f.Values) != 1 {
			t.Errorf("field %d has %d values: replaced, not appended", f.FieldID, len(f.Values))
		}
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"mzpo-s.ru", "Авито"}) {
		t.Errorf("tags = %v", got)
	}
	// The update we made comes back as an update hook: nothing more to write.
	h.fake.ResetCalls()
	_, res = h.deliver("avito_lead", accountHook("leads", "update", id, time.Now().Unix(), retailID, retail, nil))
	var r workflows.HookResult
	outcome(t, res, &r)
	if nr, _ := h.callLog("avito_lead, already marked"); r.Changed || nr != 1 {
		t.Fatalf("second pass: %+v, %d calls", r, nr)
	}
}

func TestWebhookProcessEvents(t *testing.T) {
	h := newHookHarness(t)
	h.events.Add("ДОД МЦПО декабрь", eventsapi.Event{ID: "77", PageName: "День открытых дверей МЦПО", Time: "2026-12-05 12:00:00", Address: "Москва, Example, 1"})
	id := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Новая сделка", PipelineID: 3198184, StatusID: 32532880,
		CustomFields: []amofake.FieldValue{amofake.Text(725709, "ДОД МЦПО декабрь")}, Tags: []amofake.Tag{{ID: 246137, Name: "mzpo-s.ru"}}})
	h.fake.ResetCalls()
	_, res := h.deliver("processevents", accountHook("leads", "add", id, time.Now().Unix(), retailID, retail, nil))
	o := outcome(t, res, nil)
	h.recordHistory(o.JobID, "process_events")
	if nr, _ := h.callLog("processevents"); nr != 2 || h.events.Calls() != 1 {
		t.Errorf("retail calls = %d, events API calls = %d; want 2 and 1", nr, h.events.Calls())
	}
	l, _ := h.fake.Lead(retail, id)
	if l.Name != "dod" || l.PipelineID != 5055190 || l.StatusID != 45469723 {
		t.Errorf("lead = %q %d/%d", l.Name, l.PipelineID, l.StatusID)
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"mzpo-s.ru", "ДОД"}) {
		t.Errorf("tags = %v", got)
	}
	want := fmt.Sprint(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC).Unix())
	for field, w := range map[int64]string{725709: "День открытых дверей МЦПО", 725711: "Москва, Example, 1", 724347: want} {
		if got := amofake.FirstValue(l.CustomFields, field); got != w {
			t.Errorf("field %d = %q, want %q", field, got, w)
		}
	}
}

func TestWebhookEditContactKeepsEveryPhone(t *testing.T) {
	h := newHookHarness(t)
	phones := amofake.FieldValue{FieldCode: "PHONE", Values: []amofake.Value{
		{Value: "8 (916) 123-45-67", EnumCode: "WORK"}, {Value: "+7 903 555-01-01", EnumCode: "MOB"}, {Value: "88005553535", EnumCode: "OTHER"}}}
	id := h.fake.AddContact(retail, amofake.Contact{ID: freshID(), Name: "Иван", CustomFields: []amofake.FieldValue{phones, amofake.Email("ivan@example.ru")}})
	h.fake.ResetCalls()
	extra := url.Values{"[type]": {"contact"}, "[custom_fields][0][id]": {"264911"}, "[custom_fields][0][code]": {"PHONE"},
		"[custom_fields][0][values][0][value]": {"8 (916) 123-45-67"}, "[custom_fields][0][values][0][enum]": {"2649111"}}
	_, res := h.deliver("editcontact", accountHook("contacts", "update", id, time.Now().Unix()-5, retailID, retail, extra))
	o := outcome(t, res, nil)
	h.recordHistory(o.JobID, "edit_contact")
	if nr, _ := h.callLog("editcontact"); nr != 2 {
		t.Errorf("retail calls = %d, want 2", nr)
	}
	c, _ := h.fake.Contact(retail, id)
	var got []string
	for _, f := range c.CustomFields {
		if f.FieldCode == "PHONE" {
			for _, v := range f.Values {
				got = append(got, fmt.Sprint(v.Value)+" "+v.EnumCode)
			}
		}
	}
	if want := []string{"+79161234567 WORK", "+79035550101 MOB", "+78005553535 OTHER"}; !slices.Equal(got, want) {
		t.Errorf("phones = %q, want %q", got, want)
	}
	if !hasValue(c.CustomFields, "EMAIL", "ivan@example.ru") {
		t.Error("the e-mail was lost")
	}
	// Our update triggers amoCRM's contact-update hook: it must end there.
	h.fake.ResetCalls()
	_, res = h.deliver("editcontact", accountHook("contacts", "update", id, time.Now().Unix(), retailID, retail, url.Values{"[type]": {"contact"}}))
	var r workflows.HookResult
	outcome(t, res, &r)
	if nr, _ := h.callLog("editcontact, the echo"); r.Changed || nr != 1 {
		t.Fatalf("echo: %+v, %d calls (want one read, no update)", r, nr)
	}
}

func TestWebhookOneCMethodsStartTheOneCFlows(t *testing.T) {
	h := newHookHarness(t)
	// savelead: a retail lead without a product is refused with a note, and 1C is not called.
	lead := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Без товара", PipelineID: 3198184, StatusID: 32532883})
	h.fake.ResetCalls()
	_, res := h.deliver("savelead", stageHook(lead, 3198184, 32532883, 32532880, retailID, retail))
	var sync workflows.Sync1COrderResult
	o := outcome(t, res, &sync)
	h.callLog("savelead without a product")
	if sync.Status != "no_products" || !strings.HasPrefix(o.JobID, fmt.Sprintf("wh-retail-savelead-lead%d-", lead)) {
		t.Fatalf("savelead: %+v (job %s)", sync, o.JobID)
	}
	if n := notesOf(h.fake.Notes(retail, "leads"), lead); len(n) != 1 || n[0].Params["text"] != "Не удалось перенести сделку: отсутствуют товары!" {
		t.Errorf("notes = %+v", n)
	}
	if n := len(h.onec.Requests()); n != 0 {
		t.Errorf("1C got %d requests", n)
	}

	// change_resp: a flat form (id, uid, resp), retail.
	h.fake.ResetCalls()
	_, res = h.deliver("change_resp", url.Values{"id": {fmt.Sprint(lead)}, "uid": {"5bba5dc4-0000-4000-8000-000000000001"}, "resp": {"Алферова Лилия"}}.Encode())
	var cr workflows.ChangeResponsibleResult
	outcome(t, res, &cr)
	h.callLog("change_resp")
	if cr.Status != "changed" || len(h.onec.RequestsTo(http.MethodPost, "lk_editdata")) != 1 {
		t.Fatalf("change_resp: %+v, 1C requests %+v", cr, h.onec.Requests())
	}

	// physics_corp: the corporate account's savelead, the same flow with the corporate account.
	person := h.fake.AddContact(corp, amofake.Contact{Name: "Сергей Иванов", CustomFields: []amofake.FieldValue{amofake.Phone("+79167770011"), amofake.Email("s.ivanov@example.ru")}})
	cl := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Физлицо", PipelineID: 5312269, StatusID: 47317651, Price: 30000, ResponsibleUserID: 2375131, ContactIDs: []int64{person}})
	h.fake.ResetCalls()
	_, res = h.deliver("physics_corp", stageHook(cl, 5312269, 47317651, 47317618, corpID, corp))
	sync = workflows.Sync1COrderResult{}
	o = outcome(t, res, &sync)
	h.callLog("physics_corp")
	if sync.Account != "corp" || sync.LeadID != cl || !strings.HasPrefix(o.JobID, fmt.Sprintf("wh-corp-physics_corp-lead%d-", cl)) {
		t.Fatalf("physics_corp: %+v (job %s)", sync, o.JobID)
	}
	if len(h.onec.RequestsTo(http.MethodPost, "EditApplication")) != 1 {
		t.Errorf("1C requests = %+v, want one EditApplication", h.onec.Requests())
	}
}

func TestWebhookRejectedRequestsStoreNothing(t *testing.T) {
	h := newHookHarness(t)
	h.killBridge()
	body := stageHook(freshID(), 3198184, 35942104, 32532883, retailID, retail)
	for _, c := range []struct {
		name, path, body string
		want             int
	}{
		{"bad token", "/v1/amo/webhooks/ret2corp?token=wrong", body, 401},
		{"no token", "/v1/amo/webhooks/ret2corp", body, 401},
		{"unknown method", "/v1/amo/webhooks/no_such_method?token=" + hookToken, body, 404},
		{"unknown account", "/v1/amo/webhooks/ret2corp?token=" + hookToken, strings.ReplaceAll(body, retailID, "29085955"), 403},
		{"other account's hook", "/v1/amo/webhooks/ret2corp?token=" + hookToken, strings.ReplaceAll(strings.ReplaceAll(body, retailID, corpID), retail, corp), 403},
		{"legacy route off", "/amo/webhooks/?ret2corp", body, 404},
	} {
		if code, _ := h.post(c.path, c.body); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if d := h.queueDepth(mq.KindWebhook); d != 0 {
		t.Fatalf("%d webhook messages stored for rejected requests", d)
	}
}
