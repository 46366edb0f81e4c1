package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"amoflow/amofake"
	"amoflow/config"
	"amoflow/mq"
	"amoflow/webinar"
	"amoflow/workflows"
)

const retail = "mzpoeducationsale"

// scenario1 is docs/flows.md#acceptance-scenarios scenario 1. Job ids derive from the
// form, and the tests share one Temporal namespace, so each test passes its
// own comment.
func scenario1(comment string) url.Values {
	return url.Values{
		"name":           {"Мария"},
		"phone":          {"8 (916) 123-45-67"},
		"email":          {"Maria@Example.ru"},
		"comment":        {comment},
		"form_name_site": {"Заявка с формы Записаться mzpo-s.ru"},
		"site":           {"www.mzpo-s.ru"},
		"page_url":       {"https://mzpo-s.ru/courses/massage"},
		"roistat_marker": {"yandex_direct"},
		"pipeline":       {"3198184"},
		"status":         {"32532880"},
	}
}

func TestNewPersonBecomesContactLeadNoteAndLink(t *testing.T) {
	h := newHarness(t)
	form := scenario1("Перезвоните после 18:00")
	id := h.accept(form)
	var res workflows.FormResult
	h.completed(id, &res)
	// create_lead_new_person.json stays as recorded before the Postgres steps
	// became local activities (workflows' pgLocalChange): it replays the old path.
	h.recordHistory(id, "create_lead_new_person_local_pg")

	if calls := h.apiCalls(retail); len(calls) > 4 {
		t.Errorf("amoCRM calls for a new person = %d, want ≤ 4: %v", len(calls), calls)
	} else {
		t.Logf("amoCRM calls, new person: %d %v", len(calls), calls)
	}
	leads := h.fake.Leads(retail)
	if len(leads) != 1 || leads[0].ID != res.LeadID || res.Merged {
		t.Fatalf("leads = %+v, result %+v; want exactly the created one", leads, res)
	}
	l := leads[0]
	if l.Name != "Новая сделка" || l.PipelineID != 3198184 || l.StatusID != 32532880 {
		t.Errorf("lead = %q %d/%d", l.Name, l.PipelineID, l.StatusID)
	}
	for field, want := range map[int64]string{
		639075: "Заявка с формы Записаться mzpo-s.ru",
		639081: "mzpo-s.ru", // only the www. prefix is dropped
		639083: "https://mzpo-s.ru/courses/massage",
		639085: "yandex_direct",
	} {
		if got := amofake.FirstValue(l.CustomFields, field); got != want {
			t.Errorf("lead field %d = %q, want %q", field, got, want)
		}
	}
	if !slices.ContainsFunc(l.Tags, func(tg amofake.Tag) bool { return tg.ID == 246137 && tg.Name == "mzpo-s.ru" }) {
		t.Errorf("lead tags = %+v, want mzpo-s.ru (246137)", l.Tags)
	}
	contacts := h.fake.Contacts(retail)
	if len(contacts) != 1 || contacts[0].ID != res.ContactID {
		t.Fatalf("contacts = %+v", contacts)
	}
	c := contacts[0]
	if !hasValue(c.CustomFields, "PHONE", "+79161234567") || !hasValue(c.CustomFields, "EMAIL", "maria@example.ru") || c.FirstName != "Мария" {
		t.Errorf("contact = %+v", c)
	}
	if !slices.Contains(l.ContactIDs, c.ID) {
		t.Errorf("lead %d is not linked to contact %d (links %v)", l.ID, c.ID, l.ContactIDs)
	}
	notes := h.fake.Notes(retail, "leads")
	if len(notes) != 1 || notes[0].EntityID != l.ID || notes[0].NoteType != "common" || notes[0].Params["text"] != form.Get("comment") {
		t.Errorf("notes = %+v", notes)
	}

	// Operators find the lead's workflow in the UI by its search attributes.
	// The task queue keeps other tests' workflows (same namespace, fakes that
	// number leads alike) out of the answer.
	query := fmt.Sprintf("AmoLeadID = %d AND AmoAccount = 'retail' AND TaskQueue = '%s'", res.LeadID, h.cfg.Temporal.TaskQueue)
	waitFor(t, 10*time.Second, "the workflow to be visible by "+query, func() bool {
		resp, err := h.tc.ListWorkflow(h.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		return err == nil && len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == id
	})

	// The same form again (a double submit) is the same job: still one lead.
	if again := h.accept(form); again != id {
		t.Fatalf("double submit got job %s, first was %s", again, id)
	}
	h.completed(id, &res)
	if n := len(h.fake.Leads(retail)); n != 1 {
		t.Fatalf("after a double submit there are %d leads", n)
	}
}

func TestExistingContactMergesIntoRightLead(t *testing.T) {
	h := newHarness(t)
	now := time.Now().Unix()
	won := h.fake.AddLead(retail, amofake.Lead{Name: "won", PipelineID: 3198184, StatusID: 142, UpdatedAt: now - 10})
	open := h.fake.AddLead(retail, amofake.Lead{Name: "open", PipelineID: 3198184, StatusID: 32532883, UpdatedAt: now - 1000,
		Tags: []amofake.Tag{{ID: 264383, Name: "Ручная"}}, CustomFields: []amofake.FieldValue{amofake.Text(639075, "manager's text")}})
	study := h.fake.AddLead(retail, amofake.Lead{Name: "study", PipelineID: 3338257, StatusID: 32532880, UpdatedAt: now - 5})
	frozen := h.fake.AddLead(retail, amofake.Lead{Name: "frozen", PipelineID: 3198184, StatusID: 58522914, UpdatedAt: now - 7})
	contact := h.fake.AddContact(retail, amofake.Contact{Name: "Мария", CustomFields: []amofake.FieldValue{amofake.Phone("+7 (916) 123-45-67")},
		LeadIDs: []int64{won, open, study, frozen}})
	// A near miss amoCRM's fuzzy search also returns: another number containing the digits.
	h.fake.AddContact(retail, amofake.Contact{Name: "Другой", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 123-45-670")}})
	h.fake.ResetCalls()

	id := h.accept(scenario1("Хочу на курс массажа"))
	var res workflows.FormResult
	h.completed(id, &res)
	h.recordHistory(id, "create_lead_merge")
	if !res.Merged || res.LeadID != open || res.ContactID != contact {
		t.Fatalf("result = %+v, want a merge into lead %d of contact %d", res, open, contact)
	}
	if calls := h.apiCalls(retail); len(calls) > 4 {
		t.Errorf("amoCRM calls for an existing contact with an open lead = %d, want ≤ 4: %v", len(calls), calls)
	} else {
		t.Logf("amoCRM calls, existing contact with open lead: %d %v", len(calls), calls)
	}
	if n := len(h.fake.Leads(retail)); n != 4 {
		t.Errorf("leads = %d, want the 4 seeded (no new lead)", n)
	}
	l, _ := h.fake.Lead(retail, open)
	var tags []string
	for _, tg := range l.Tags {
		tags = append(tags, tg.Name)
	}
	if !slices.Contains(tags, "Ручная") || !slices.Contains(tags, "mzpo-s.ru") {
		t.Errorf("merged lead tags = %v, want the old one kept and mzpo-s.ru appended", tags)
	}
	if got := amofake.FirstValue(l.CustomFields, 639075); got != "manager's text" {
		t.Errorf("a field filled on the lead was overwritten: %q", got)
	}
	if got := amofake.FirstValue(l.CustomFields, 639083); got != "https://mzpo-s.ru/courses/massage" {
		t.Errorf("an empty field was not filled: %q", got)
	}
	notes := h.fake.Notes(retail, "leads")
	if len(notes) != 1 || notes[0].EntityID != open {
		t.Errorf("notes = %+v, want one on lead %d", notes, open)
	}
	if n := len(h.fake.Contacts(retail)); n != 2 {
		t.Errorf("contacts = %d, want the 2 seeded", n)
	}
}

func TestSameMessageTwiceIsOneWorkflow(t *testing.T) {
	h := newHarness(t)
	h.killBridge() // let both copies wait in the queue
	form := workflows.FormInput{JobID: "form-retail-redelivered-" + h.cfg.Temporal.TaskQueue, Account: "retail", ReceivedAt: time.Now().UTC(),
		Fields: map[string]string{"phone": "+79035550101", "name": "Иван"}}
	body := mustJSON(t, form)
	for range 2 {
		if err := h.pub.Publish(h.ctx, mq.Message{ID: form.JobID, Kind: mq.KindForm, Account: "retail", ReceivedAt: form.ReceivedAt, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	h.startBridge()
	var res workflows.FormResult
	h.completed(form.JobID, &res)
	waitFor(t, 30*time.Second, "both copies acked", func() bool { return h.queueDepth(mq.KindForm) == 0 })
	if n := len(h.fake.Leads(retail)); n != 1 {
		t.Fatalf("leads = %d, want 1", n)
	}
}

func TestBridgeKilledMidStreamLosesNothing(t *testing.T) {
	h := newHarness(t)
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = h.accept(url.Values{"phone": {fmt.Sprintf("+7903555%04d", i)}, "name": {"Клиент " + h.cfg.Temporal.TaskQueue}})
		}()
		if i == n/2 {
			wg.Wait()
			h.killBridge()
		}
	}
	wg.Wait()
	h.startBridge()
	for _, id := range ids {
		var res workflows.FormResult
		h.completed(id, &res)
	}
	if got := len(h.fake.Leads(retail)); got != n {
		t.Fatalf("leads = %d, want %d", got, n)
	}
}

func TestAmoFailingForAWhileStillCreatesTheLead(t *testing.T) {
	h := newHarness(t)
	h.fake.SetFaults(retail, amofake.Faults{Force429: 3, Force5xx: 3})
	id := h.accept(scenario1("amoCRM is flaky today"))
	var res workflows.FormResult
	h.completed(id, &res)
	if n := len(h.fake.Leads(retail)); n != 1 {
		t.Fatalf("leads = %d, want 1", n)
	}
	var failed int
	for _, c := range h.fake.Calls(retail) {
		if c.Status == http.StatusTooManyRequests || c.Status >= 500 {
			failed++
		}
	}
	if failed < 6 {
		t.Fatalf("the fake answered only %d errors; the faults did not apply", failed)
	}
}

func TestBadFormsAreRejectedAndNothingIsQueued(t *testing.T) {
	h := newHarness(t)
	h.killBridge()
	post := func(contentType, body string) int {
		resp, err := http.Post(h.api.URL+"/v1/forms", contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name, contentType, body string
		want                    int
	}{
		{"no phone and no email", "application/x-www-form-urlencoded", "name=x&comment=y", 400},
		{"1 MiB body", "application/x-www-form-urlencoded", "phone=89161234567&comment=" + strings.Repeat("a", 1<<20), 413},
		{"wrong content type", "text/plain", "phone=89161234567", 415},
		{"broken JSON", "application/json", `{"phone": "8916`, 400},
	}
	for _, c := range cases {
		if got := post(c.contentType, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if d := h.queueDepth(mq.KindForm); d != 0 {
		t.Fatalf("%d messages queued for rejected forms", d)
	}
}

func hasValue(fields []amofake.FieldValue, code, want string) bool {
	for _, f := range fields {
		if f.FieldCode == code {
			for _, v := range f.Values {
				if fmt.Sprint(v.Value) == want {
					return true
				}
			}
		}
	}
	return false
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestWorkerKilledMidStreamResumesWithoutDuplicates(t *testing.T) {
	h := newHarness(t)
	// Slow amoCRM down so workflows are caught between steps.
	h.fake.SetFaults(retail, amofake.Faults{Latency: 150 * time.Millisecond})
	const n = 8
	ids := make([]string, n)
	for i := range n {
		ids[i] = h.accept(url.Values{"phone": {fmt.Sprintf("+7905777%04d", i)}, "comment": {"note " + h.cfg.Temporal.TaskQueue}})
	}
	waitFor(t, time.Minute, "the first leads", func() bool { return len(h.fake.Leads(retail)) >= 2 })
	h.killWorkers()
	if got := len(h.fake.Leads(retail)); got == n {
		t.Log("every lead was created before the workers stopped; the restart is still checked below")
	}
	h.startWorkers()
	for _, id := range ids {
		var res workflows.FormResult
		h.completed(id, &res)
	}
	leads, notes, contacts := h.fake.Leads(retail), h.fake.Notes(retail, "leads"), h.fake.Contacts(retail)
	if len(leads) != n || len(notes) != n || len(contacts) != n {
		t.Fatalf("after a worker restart: %d leads, %d notes, %d contacts; want %d of each", len(leads), len(notes), len(contacts), n)
	}
}

// A retail webinar registration (the C# form's rules): the person's open
// lead is left alone and a lead of its own goes to the free-webinar stage,
// tagged Вебинар and Мероприятие, with the event date, the organization
// and, without a form name, the comment as its type. A form whose date
// and organization amoCRM cannot take is still a lead, the values noted.
func TestFormWebinarDateAndOrganization(t *testing.T) {
	h := newHarness(t)
	run := randomID()
	open := h.fake.AddLead(retail, amofake.Lead{Name: "open", PipelineID: 3198184, StatusID: 32532883, UpdatedAt: time.Now().Unix()})
	h.fake.AddContact(retail, amofake.Contact{Name: "Вера", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 111-44-55")}, LeadIDs: []int64{open}})
	h.fake.ResetCalls()

	id := h.accept(url.Values{"phone": {"8 916 111-44-55"}, "webinar": {"true"}, "events": {"true"}, "date": {"15.03.2027 18:30"},
		"organization": {"НОЧУ ДПО МЦПО"}, "comment": {"Вебинар по массажу " + run}})
	var res workflows.FormResult
	h.completed(id, &res)
	h.recordHistory(id, "create_lead_webinar")
	if res.Merged || res.LeadID == open {
		t.Fatalf("result = %+v: a webinar registration must not merge into lead %d", res, open)
	}
	l, _ := h.fake.Lead(retail, res.LeadID)
	if l.PipelineID != 3199819 || l.StatusID != 32544562 {
		t.Errorf("stage = %d/%d, want the free webinars' first stage", l.PipelineID, l.StatusID)
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"Вебинар", "Мероприятие"}) {
		t.Errorf("tags = %v", got)
	}
	at := time.Date(2027, 3, 15, 18, 30, 0, 0, time.FixedZone("MSK", 3*3600)).Unix()
	for field, want := range map[int64]string{724347: fmt.Sprint(at), 645965: "МЦПО", 639075: "Вебинар по массажу " + run} {
		if got := amofake.FirstValue(l.CustomFields, field); got != want {
			t.Errorf("field %d = %q, want %q", field, got, want)
		}
	}
	if o, _ := h.fake.Lead(retail, open); len(o.Tags) != 0 {
		t.Errorf("the open lead was changed: %+v", o)
	}

	// A bad date and an unknown organization: 202, a lead, the values in its note.
	id = h.accept(url.Values{"email": {"vera-" + run + "@example.ru"}, "date": {"в пятницу"}, "organization": {"Рога и копыта"}})
	h.completed(id, &res)
	l, _ = h.fake.Lead(retail, res.LeadID)
	if l.PipelineID != 3198184 || amofake.FirstValue(l.CustomFields, 724347) != "" || amofake.FirstValue(l.CustomFields, 645965) != "" {
		t.Errorf("lead = %+v, want the intake stage without date and organization", l)
	}
	notes := notesOf(h.fake.Notes(retail, "leads"), l.ID)
	if len(notes) != 1 || !strings.Contains(fmt.Sprint(notes[0].Params["text"]), "date: в пятницу") || !strings.Contains(fmt.Sprint(notes[0].Params["text"]), "organization: Рога и копыта") {
		t.Errorf("notes = %+v, want the date and organization noted", notes)
	}
}

// The corporate form (the C# form's rules): the company that holds the
// person's phone is linked to the new lead and gives its manager; the
// lead is tagged "Заявка с сайта" and with each site contained in site.
func TestCorpFormLinksCompanyAndTagsSites(t *testing.T) {
	h := newHarness(t)
	run := randomID()
	firm := h.fake.AddCompany(corp, amofake.Company{Name: "ООО Клиника", ResponsibleUserID: 2375116,
		CustomFields: []amofake.FieldValue{amofake.Phone("+7 (495) 123-45-67")}})
	h.fake.ResetCalls()

	id := h.accept(url.Values{"amo": {"corp"}, "name": {"Ирина"}, "phone": {"8 (495) 123-45-67"}, "site": {"www.mzpo-s.ru"},
		"comment": {"Обучение 10 сотрудников " + run}})
	var res workflows.FormResult
	h.completed(id, &res)
	h.recordHistory(id, "create_lead_corp_company")
	calls := h.apiCalls(corp)
	t.Logf("amoCRM calls, corporate form of a company: %d %v", len(calls), calls)
	if len(calls) != 4 {
		t.Errorf("calls = %d, want 4 (contact search, company search, create, note)", len(calls))
	}
	l, _ := h.fake.Lead(corp, res.LeadID)
	if !slices.Equal(l.CompanyIDs, []int64{firm}) || l.ResponsibleUserID != 2375116 || l.PipelineID != 5312269 {
		t.Errorf("lead = %+v, want company %d, its manager 2375116, the sales pipeline", l, firm)
	}
	if got := tagNames(l.Tags); !slices.Equal(got, []string{"mzpo-s.ru", "Заявка с сайта"}) {
		t.Errorf("tags = %v", got)
	}
	for _, tg := range l.Tags {
		if want := map[string]int64{"mzpo-s.ru": 1187781, "Заявка с сайта": 1109567}[tg.Name]; tg.ID != want {
			t.Errorf("tag %+v, want the corporate id %d", tg, want)
		}
	}
}

// A webinar form with webinar_id: the email is registered on (the fake)
// webinar.ru, the lead gets the registration and the link note; a form
// naming a webinar webinar.ru does not know still makes its lead, with a
// note saying why nobody was registered.
func TestFormRegistersTheEmailForTheWebinar(t *testing.T) {
	api := webinar.NewFake("e2e-webinar-token")
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	h := newHarness(t, func(cfg *config.Config) {
		cfg.Webinar = config.Webinar{BaseURL: srv.URL + "/v3", Token: "e2e-webinar-token"}
	})
	run := randomID()
	event, session := freshID(), freshID()
	starts := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	api.AddEvent(webinar.Event{ID: event, Name: "Массаж лица", Sessions: []webinar.Session{{ID: session, StartsAt: starts}}})
	api.FailNext(1) // webinar.ru down for a moment: retried

	email := "webinar-" + run + "@example.ru"
	id := h.accept(url.Values{"email": {email}, "webinar": {"true"}, "webinar_id": {fmt.Sprint(event)}, "comment": {"Запишите " + run}})
	var res workflows.FormResult
	h.completed(id, &res)
	h.recordHistory(id, "create_lead_webinar_registration")
	part := api.Registered(session, email)
	if part == 0 {
		t.Fatalf("%s was not registered to session %d", email, session)
	}
	l, _ := h.fake.Lead(retail, res.LeadID)
	for field, want := range map[int64]string{725627: webinar.Link(part), 725629: fmt.Sprint(starts.Unix()), 724347: fmt.Sprint(starts.Unix()),
		725631: fmt.Sprint(event), 725633: fmt.Sprint(session), 725635: fmt.Sprint(part), 725709: "Массаж лица"} {
		if got := amofake.FirstValue(l.CustomFields, field); got != want {
			t.Errorf("field %d = %q, want %q", field, got, want)
		}
	}
	notes := notesOf(h.fake.Notes(retail, "leads"), l.ID)
	if len(notes) != 2 || notes[1].Params["text"] != "Ссылка для регистрации на вебинар: "+webinar.Link(part) {
		t.Errorf("notes = %+v, want the comment and the link", notes)
	}

	id = h.accept(url.Values{"email": {"nowebinar-" + run + "@example.ru"}, "webinar_id": {"424242"}})
	h.completed(id, &res)
	notes = notesOf(h.fake.Notes(retail, "leads"), res.LeadID)
	if len(notes) != 1 || !strings.Contains(fmt.Sprint(notes[0].Params["text"]), "Не удалось зарегистрировать на вебинар 424242") {
		t.Errorf("notes = %+v, want why nobody was registered", notes)
	}
}
