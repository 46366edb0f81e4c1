package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/onec"
	"amoflow/onec/onecfake"
	"amoflow/workflows"
)

const productUID = "ac84a29c-a7f3-11eb-8921-20040ffb909d"

// oneCLeadIDs hands out lead ids no other test uses: webhook job ids are
// made of lead ids, and the tests share one Temporal namespace.
var oneCLeadIDs atomic.Int64

func init() { oneCLeadIDs.Store(6_100_000_000) }

// order1C is a retail lead ready for 1C (docs/flows.md#acceptance-scenarios scenario 7):
// a product, a contact without client_id_1C, organization МЦПО.
type order1C struct {
	lead, contact, element, company int64
}

func seedOrder(h *harness, product, company bool) order1C {
	o := order1C{lead: oneCLeadIDs.Add(1)}
	o.contact = h.fake.AddContact(retail, amofake.Contact{Name: "Иванова Мария Петровна", ResponsibleUserID: 2576764,
		CustomFields: []amofake.FieldValue{
			amofake.Phone("8 (916) 123-45-67", "+7 903 000-00-01"), amofake.Email("Maria@Example.ru"),
			amofake.Text(644285, "637448400"), // dob: 15.03.1990 00:00 MSK
			amofake.Text(715535, "0412"), amofake.Text(715537, "123456"), amofake.Text(650841, "ОВД Арбат"),
			amofake.Text(718557, "1274302800"), // pass_issued_at: 20.05.2010
			amofake.Text(710419, "770-001"), amofake.Text(724399, "123-456-789 00"),
		}})
	lead := amofake.Lead{Name: "Заявка на массаж", Price: 45000, PipelineID: 3198184, StatusID: 32532883, ResponsibleUserID: 2576764,
		CustomFields: []amofake.FieldValue{amofake.Text(645965, "МЦПО"), amofake.Text(639075, "Заявка с формы Записаться"),
			amofake.Text(639085, "yandex_direct")},
		ContactIDs: []int64{o.contact}}
	if company {
		o.company = h.fake.AddCompany(retail, amofake.Company{Name: "ООО Ромашка", CustomFields: []amofake.FieldValue{
			amofake.Text(644317, "7701234567"), amofake.Text(644315, "1027700132195"), amofake.Text(644319, "770101001"),
			amofake.Text(644323, "044525225"), amofake.Phone("+7 495 123-45-67")}})
		lead.CompanyIDs = []int64{o.company}
	}
	lead.ID = o.lead
	h.fake.AddLead(retail, lead)
	if product {
		o.element = h.fake.AddCatalogElement(retail, amofake.CatalogElement{CatalogID: 12463, Name: "Массаж",
			CustomFields: []amofake.FieldValue{amofake.Text(710407, productUID), amofake.Text(647993, "ММЦ")}})
		h.fake.AddLink(retail, amofake.Link{EntityType: "leads", EntityID: o.lead, ToEntityType: "catalog_elements", ToEntityID: o.element})
	}
	h.fake.ResetCalls()
	h.onec.ResetRequests()
	return o
}

// savelead posts the amoCRM webhook of a lead reaching "transfer to 1C"
// and returns the Sync1COrder job it started.
func (h *harness) savelead(method, sub string, accountID, leadID int64) string {
	h.t.Helper()
	if h.cfg.Inbound.WebhookToken == "" {
		h.cfg.Inbound.WebhookToken = "e2e-hook-token"
	}
	form := url.Values{
		"leads[status][0][id]": {fmt.Sprint(leadID)}, "leads[status][0][status_id]": {"142"},
		"account[id]": {fmt.Sprint(accountID)}, "account[subdomain]": {sub},
	}
	code, body := h.post1C("POST", "/v1/amo/webhooks/"+method+"?token="+h.cfg.Inbound.WebhookToken, "application/x-www-form-urlencoded", form.Encode())
	var a struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(body, &a); err != nil || code != 202 || a.JobID == "" {
		h.t.Fatalf("webhook %s = %d %s", method, code, body)
	}
	st := h.waitJob(a.JobID, 2*time.Minute)
	var res workflows.WebhookResult
	if err := json.Unmarshal(st.Result, &res); err != nil {
		h.t.Fatal(err)
	}
	if st.Status == "failed" {
		// The delivery failed because its Sync1COrder did: find the child.
		return a.JobID
	}
	if len(res.Events) != 1 || res.Events[0].JobID == "" {
		h.t.Fatalf("webhook job %s: %s %s", a.JobID, st.Status, st.Result)
	}
	return res.Events[0].JobID
}

func TestSync1COrderNewClient(t *testing.T) {
	h := newHarness(t)
	o := seedOrder(h, true, false)
	job := h.savelead("savelead", retail, retailAmo, o.lead)
	var res workflows.Sync1COrderResult
	h.completed(job, &res)
	h.recordHistory(job, "sync_1c_order")
	t.Logf("amoCRM calls: %d %v; corporate (the client step) %v", len(h.apiCalls(retail)), h.apiCalls(retail), h.apiCalls(corpSub))
	t.Logf("1C calls: %v", h.oneCCalls())
	if n := len(h.apiCalls(retail)); n > 7 {
		t.Errorf("amoCRM calls = %d, want ≤ 7", n)
	}
	if res.Status != "transferred" || !res.ClientID1C.Valid() || !res.LeadID1C.Valid() || res.ProductID1C != productUID {
		t.Fatalf("result = %+v", res)
	}

	students, apps := h.oneCBodies("EditStudent"), h.oneCBodies("EditApplication")
	if len(students) != 1 || len(apps) != 1 || len(h.onec.Requests()) != 2 {
		t.Fatalf("1C got %v, want EditStudent then EditApplication", h.oneCCalls())
	}
	st := students[0]
	for key, want := range map[string]any{
		"client_id_1C": nil, "name": "Иванова Мария Петровна", "phone": "+79161234567", "second_phone": "+79030000001",
		"email": "maria@example.ru", "dob": "15.03.1990 0:00:00", "pass_issued_at": "20.05.2010 0:00:00",
		"pass_serie": "0412", "pass_number": "123456", "pass_issued_by": "ОВД Арбат", "pass_dpt_code": "770-001",
		"snils": "123-456-789 00",
	} {
		if st[key] != want {
			t.Errorf("EditStudent %s = %#v, want %#v", key, st[key], want)
		}
	}
	// The cross-account rule: the person had no corporate contact, so one
	// was made, and 1C's client lists both.
	corpContacts := h.fake.Contacts(corpSub)
	if ids, _ := st["amo_ids"].([]any); len(ids) != 2 || ids[0].(map[string]any)["entity_id"] != float64(o.contact) ||
		len(corpContacts) != 1 || ids[1].(map[string]any)["entity_id"] != float64(corpContacts[0].ID) {
		t.Errorf("EditStudent amo_ids = %v (corporate contacts %d)", st["amo_ids"], len(corpContacts))
	}
	if len(corpContacts) == 1 && amofake.FirstValue(corpContacts[0].CustomFields, h.cfg.Accounts["corp"].ContactFields["client_id_1c"]) != string(res.ClientID1C) {
		t.Errorf("the corporate contact lacks the client's GUID")
	}
	app := apps[0]
	for key, want := range map[string]any{
		"lead_id_1C": nil, "client_id_1C": string(res.ClientID1C), "company_id_1C": string(res.ClientID1C),
		"product_id_1C": productUID, "is_corporate": false, "organization": "НОЧУ ДПО МЦПО", "price": 45000.0,
		"lead_status": "ВРаботе", "marketing_channel": "Заявка с формы Записаться", "marketing_source": "yandex_direct",
		"responsible_user": "default_responsible", "author": "default_responsible",
	} {
		if app[key] != want {
			t.Errorf("EditApplication %s = %#v, want %#v", key, app[key], want)
		}
	}
	if ids, _ := app["amo_ids"].([]any); len(ids) != 1 || ids[0].(map[string]any)["account_id"] != float64(retailAmo) ||
		ids[0].(map[string]any)["entity_id"] != float64(o.lead) {
		t.Errorf("EditApplication amo_ids = %v", app["amo_ids"])
	}

	c, _ := h.fake.Contact(retail, o.contact)
	l, _ := h.fake.Lead(retail, o.lead)
	if got := amofake.FirstValue(c.CustomFields, 710429); got != string(res.ClientID1C) {
		t.Errorf("contact client_id_1C = %q, want %s", got, res.ClientID1C)
	}
	if got := amofake.FirstValue(l.CustomFields, 710399); got != string(res.LeadID1C) {
		t.Errorf("lead lead_id_1C = %q, want %s", got, res.LeadID1C)
	}
	if notes := h.notesOn(retail, o.lead); !slices.Equal(notes, []string{"Сделка перенесена в 1С: " + string(res.LeadID1C)}) {
		t.Errorf("notes = %q", notes)
	}

	// Meanwhile 1C moved the application on and registered a payment, and
	// a manager changed the price in amoCRM.
	stored, _ := h.onec.Object("EditApplication", string(res.LeadID1C))
	var in1C map[string]any
	if err := json.Unmarshal(stored, &in1C); err != nil {
		t.Fatal(err)
	}
	in1C["lead_status"] = "Оплачена"
	in1C["payments"] = []map[string]any{{"payment_date": "02.12.2026 0:00:00", "payment_amount": 20000, "client_id_1C": string(res.ClientID1C)}}
	h.onec.Put("EditApplication", in1C)
	if _, err := h.amo("retail").UpdateLeads(h.ctx, []amocrm.Lead{{ID: o.lead, Price: 50000}}); err != nil {
		t.Fatal(err)
	}

	// The lead reaches the stage again: the client and the application
	// exist, so 1C gets an update of the application and nothing new; the
	// update keeps 1C's status and payment and carries amoCRM's price.
	h.onec.ResetRequests()
	again := h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead})
	var res2 workflows.Sync1COrderResult
	h.completed(again, &res2)
	h.recordHistory(again, "sync_1c_order_retransfer")
	if gets := h.onec.RequestsTo("GET", "EditApplication"); len(gets) != 1 {
		t.Errorf("re-transfer read 1C's application %d times, want once", len(gets))
	}
	stored, _ = h.onec.Object("EditApplication", string(res.LeadID1C))
	var after map[string]any
	if err := json.Unmarshal(stored, &after); err != nil {
		t.Fatal(err)
	}
	if pays, _ := after["payments"].([]any); after["lead_status"] != "Оплачена" || len(pays) != 1 || after["price"] != 50000.0 {
		t.Errorf("1C's application after a re-transfer: status %v, payments %v, price %v", after["lead_status"], after["payments"], after["price"])
	}
	if res2.ClientID1C != res.ClientID1C || res2.LeadID1C != res.LeadID1C {
		t.Errorf("second transfer = %+v, first %+v", res2, res)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients after a second transfer, want 1", n)
	}
	if n := len(h.onec.Objects("EditApplication")); n != 1 {
		t.Errorf("1C holds %d applications after a second transfer, want 1", n)
	}
	if apps := h.oneCBodies("EditApplication"); len(apps) != 1 || apps[0]["lead_id_1C"] != string(res.LeadID1C) || len(h.oneCBodies("EditStudent")) != 0 {
		t.Errorf("second transfer sent %v", h.oneCCalls())
	}
}

func TestSync1COrderWithoutProduct(t *testing.T) {
	h := newHarness(t)
	o := seedOrder(h, false, false)
	job := h.savelead("savelead", retail, retailAmo, o.lead)
	var res workflows.Sync1COrderResult
	h.completed(job, &res)
	if res.Status != "no_products" {
		t.Errorf("result = %+v", res)
	}
	if n := len(h.onec.Requests()); n != 0 {
		t.Errorf("1C got %v, want nothing", h.oneCCalls())
	}
	if notes := h.notesOn(retail, o.lead); !slices.Equal(notes, []string{"Не удалось перенести сделку: отсутствуют товары!"}) {
		t.Errorf("notes = %q", notes)
	}
	if n := len(h.fake.Tasks(retail)); n != 0 {
		t.Errorf("tasks = %d", n)
	}
}

func TestSync1COrderWithCompany(t *testing.T) {
	h := newHarness(t)
	o := seedOrder(h, true, true)
	var res workflows.Sync1COrderResult
	h.completed(h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead}), &res)
	partners := h.oneCBodies("EditPartner")
	if len(partners) != 1 {
		t.Fatalf("1C got %v", h.oneCCalls())
	}
	p := partners[0]
	for key, want := range map[string]any{"name": "ООО Ромашка", "inn": "7701234567", "ogrn": "1027700132195", "kpp": "770101001",
		"bik": "044525225", "phone": "+74951234567", "company_id_1C": nil} {
		if p[key] != want {
			t.Errorf("EditPartner %s = %#v, want %#v", key, p[key], want)
		}
	}
	for _, upper := range []string{"INN", "OGRN", "KPP", "BIK"} {
		if _, ok := p[upper]; ok {
			t.Errorf("EditPartner sent %s; the default is lowercase keys", upper)
		}
	}
	app := h.oneCBodies("EditApplication")[0]
	if app["is_corporate"] != true || app["company_id_1C"] != string(res.CompanyID1C) || res.CompanyID1C == res.ClientID1C {
		t.Errorf("application %v, result %+v", app, res)
	}
	// The partner's GUID is written on the company in the lead's own account.
	co, _ := h.fake.Company(retail, o.company)
	if got := amofake.FirstValue(co.CustomFields, 710403); got != string(res.CompanyID1C) {
		t.Errorf("retail company_id_1C = %q, want %s", got, res.CompanyID1C)
	}
	// Nothing of the company goes through the corporate account (there the
	// client's contact is placed, by the cross-account rule).
	for _, c := range h.fake.Calls(corpSub) {
		if strings.Contains(c.Path, "companies") {
			t.Errorf("the corporate account got %s", c.Path)
		}
	}
}

func TestSync1COrderRetriesWhile1CIsDown(t *testing.T) {
	h := newHarness(t)
	o := seedOrder(h, true, false)
	// 1C answers 500 three times, then 503 once, then works: answers that
	// say 1C created nothing, so the creates are sent again. (A timeout is
	// a lost answer: TestSync1COrderLostAnswerCreatesNoSecondClient.)
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.Fail500, Method: "EditStudent", Times: 3})
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.Fail503, Method: "EditApplication", Times: 1})
	var res workflows.Sync1COrderResult
	h.completed(h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead}), &res)
	t.Logf("1C calls: %v", h.oneCCalls())
	if res.Status != "transferred" {
		t.Fatalf("result = %+v", res)
	}
	if n := len(h.onec.RequestsTo("POST", "EditStudent")); n != 4 {
		t.Errorf("EditStudent attempts = %d, want 4", n)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients, want 1", n)
	}
	if notes := h.notesOn(retail, o.lead); len(notes) != 1 || !strings.HasPrefix(notes[0], "Сделка перенесена в 1С: ") {
		t.Errorf("notes = %q", notes)
	}
	if n := len(h.fake.Tasks(retail)); n != 0 {
		t.Errorf("tasks = %d, want none", n)
	}
}

func TestSync1COrderPermanentFailure(t *testing.T) {
	h := newHarness(t)
	h.cfg.OneC.RetryFor = 3 * time.Second
	o := seedOrder(h, true, false)
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.Fail500, Method: "EditApplication"})
	job := h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead})
	msg := h.failed(job)
	h.recordHistory(job, "sync_1c_order_failed")
	t.Logf("error: %s; 1C calls: %v", msg, h.oneCCalls())
	if notes := h.notesOn(retail, o.lead); !slices.Equal(notes, []string{"Не удалось перенести сделку в 1С"}) {
		t.Errorf("notes = %q", notes)
	}
	tasks := h.fake.Tasks(retail)
	if len(tasks) != 1 {
		t.Fatalf("tasks = %+v", tasks)
	}
	task := tasks[0]
	now := time.Now().In(onec.Zone)
	due := time.Date(now.Year(), now.Month(), now.Day()+1, 12, 0, 0, 0, onec.Zone).Unix()
	if task.TaskTypeID != taskType1C || task.ResponsibleUserID != taskUser1C || task.EntityID != o.lead ||
		task.Text != "Ошибка при переносе в 1с" || task.CompleteTill != due {
		t.Errorf("task = %+v (due %d)", task, due)
	}
	// The client was created once and kept: a later transfer reuses it.
	c, _ := h.fake.Contact(retail, o.contact)
	if !onec.GUID(amofake.FirstValue(c.CustomFields, 710429)).Valid() || len(h.onec.Objects("EditStudent")) != 1 {
		t.Errorf("client after the failure: %v", h.onec.Objects("EditStudent"))
	}
	if n := len(h.onec.RequestsTo("POST", "EditApplication")); n < 2 {
		t.Errorf("EditApplication attempts = %d, want retries", n)
	}
}
