package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/workflows"
)

// saveHook posts the explicit transfer webhook of a lead and returns the
// event's job id and its result.
func (h *harness) saveHook(method string, accountID, leadID int64) (string, workflows.SaveOneCResult) {
	h.t.Helper()
	// A modification time of its own: each call is a new event, not the
	// same one again within the dedup window.
	res := h.hook(method, url.Values{"leads[status][0][id]": {fmt.Sprint(leadID)}, "leads[status][0][status_id]": {"142"},
		"leads[status][0][last_modified]": {fmt.Sprint(time.Now().UnixNano() / 1000)}, "account[id]": {fmt.Sprint(accountID)}})
	var out workflows.SaveOneCResult
	if err := json.Unmarshal(res.Events[0].Result, &out); err != nil {
		h.t.Fatal(err)
	}
	return res.Events[0].JobID, out
}

// saveclient on a retail lead whose person has a corporate contact without
// a GUID: one client in 1C listing both contacts, the GUID on both (the
// source contact included). Then a passport correction in the corporate
// account, transferred from a corporate lead: 1C's client is read and
// updated (its applications kept), and the retail contact gets it too.
func TestSaveClientAcrossAccounts(t *testing.T) {
	h := newHarness(t)
	rf, cf := h.cfg.Accounts["retail"].ContactFields, h.cfg.Accounts["corp"].ContactFields
	rc := h.fake.AddContact(retail, amofake.Contact{Name: "Иванова Мария Петровна", CustomFields: []amofake.FieldValue{
		amofake.Phone("8 (916) 123-45-67"), amofake.Email("maria@example.ru"),
		amofake.Text(rf["pass_serie"], "0412"), amofake.Text(rf["pass_number"], "123456")}})
	cc := h.fake.AddContact(corpSub, amofake.Contact{Name: "Мария Иванова", CustomFields: []amofake.FieldValue{
		amofake.Phone("+7 916 123-45-67")}})
	lead := oneCLeadIDs.Add(1)
	h.fake.AddLead(retail, amofake.Lead{ID: lead, Name: "Массаж", PipelineID: 3198184, StatusID: 32532883, ContactIDs: []int64{rc}})
	h.fake.ResetCalls()
	h.onec.ResetRequests()

	job, res := h.saveHook("saveclient", retailAmo, lead)
	h.recordHistory(job, "save_client_1c")
	t.Logf("1C calls: %v; amoCRM calls: retail %v corp %v", h.oneCCalls(), h.apiCalls(retail), h.apiCalls(corpSub))
	if res.Status != "transferred" || !res.ClientID1C.Valid() {
		t.Fatalf("result = %+v", res)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Fatalf("1C holds %d clients, want 1", n)
	}
	students := h.oneCBodies("EditStudent")
	if len(students) != 1 || students[0]["client_id_1C"] != nil || students[0]["pass_number"] != "123456" {
		t.Fatalf("1C got %v", students)
	}
	ids, _ := students[0]["amo_ids"].([]any)
	var listed []string
	for _, id := range ids {
		m := id.(map[string]any)
		listed = append(listed, fmt.Sprint(int64(m["account_id"].(float64)), ":", int64(m["entity_id"].(float64))))
	}
	slices.Sort(listed)
	if want := []string{fmt.Sprint(corpAmo, ":", cc), fmt.Sprint(retailAmo, ":", rc)}; !slices.Equal(listed, want) {
		t.Errorf("1C's amo_ids = %v, want %v", listed, want)
	}
	r, _ := h.fake.Contact(retail, rc)
	c, _ := h.fake.Contact(corpSub, cc)
	if got := amofake.FirstValue(r.CustomFields, rf["client_id_1c"]); got != string(res.ClientID1C) {
		t.Errorf("retail (source) contact client_id_1c = %q, want %s", got, res.ClientID1C)
	}
	if got := amofake.FirstValue(c.CustomFields, cf["client_id_1c"]); got != string(res.ClientID1C) {
		t.Errorf("corporate contact client_id_1c = %q, want %s", got, res.ClientID1C)
	}
	if got := amofake.FirstValue(c.CustomFields, cf["pass_number"]); got != "123456" {
		t.Errorf("corporate contact pass_number = %q, want the retail one", got)
	}
	if c.Name != "Иванова Мария Петровна" {
		t.Errorf("corporate contact name = %q, want the client's", c.Name)
	}
	if n := len(h.fake.Contacts(corpSub)); n != 1 {
		t.Errorf("corporate account holds %d contacts, want the one linked", n)
	}

	// amoCRM's update hooks of the contacts we wrote are our own echo: 1C
	// gets nothing.
	for _, e := range []struct {
		method  string
		account int64
		id      int64
	}{{"updateclient", retailAmo, rc}, {"updateclient_corp", corpAmo, cc}} {
		if out := hookOutcome(t, h.hook(e.method, contactUpdate(e.account, e.id))); out.Skipped != "written by 1C" {
			t.Errorf("%s after saveclient = %+v, want the echo skipped", e.method, out)
		}
	}
	if n := len(h.onec.Requests()); n != 1 {
		t.Errorf("the echoes reached 1C: %v", h.oneCCalls())
	}

	// 1C meanwhile records an application of the client; a manager corrects
	// the passport in the corporate account and transfers the client from a
	// corporate lead.
	stored, _ := h.onec.Object("EditStudent", string(res.ClientID1C))
	var in1C map[string]any
	if err := json.Unmarshal(stored, &in1C); err != nil {
		t.Fatal(err)
	}
	in1C["applications"] = []any{map[string]any{"lead_id_1C": "x"}}
	h.onec.Put("EditStudent", in1C)
	if _, err := h.amo("corp").UpdateContacts(h.ctx, []amocrm.Contact{{ID: cc,
		CustomFieldsValues: amocrm.CustomFields{amocrm.TextField(cf["pass_number"], "654321")}}}); err != nil {
		t.Fatal(err)
	}
	corpLead := oneCLeadIDs.Add(1)
	h.fake.AddLead(corpSub, amofake.Lead{ID: corpLead, Name: "Обучение", ContactIDs: []int64{cc}})
	h.onec.ResetRequests()
	h.fake.ResetCalls()
	job, res2 := h.saveHook("saveclient_corp", corpAmo, corpLead)
	h.recordHistory(job, "save_client_1c_update")
	t.Logf("update: 1C calls: %v; amoCRM calls: retail %v corp %v", h.oneCCalls(), h.apiCalls(retail), h.apiCalls(corpSub))
	if res2.ClientID1C != res.ClientID1C {
		t.Fatalf("second transfer = %+v, first %+v", res2, res)
	}
	if gets, posts := h.onec.RequestsTo("GET", "EditStudent"), h.oneCBodies("EditStudent"); len(gets) != 1 || len(posts) != 1 ||
		posts[0]["client_id_1C"] != string(res.ClientID1C) {
		t.Fatalf("1C calls of the update: %v", h.oneCCalls())
	}
	stored, _ = h.onec.Object("EditStudent", string(res.ClientID1C))
	var after map[string]any
	if err := json.Unmarshal(stored, &after); err != nil {
		t.Fatal(err)
	}
	if apps, _ := after["applications"].([]any); after["pass_number"] != "654321" || len(apps) != 1 || after["name"] != "Иванова Мария Петровна" {
		t.Errorf("1C's client after the update: %s", stored)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients, want 1", n)
	}
	r, _ = h.fake.Contact(retail, rc)
	if got := amofake.FirstValue(r.CustomFields, rf["pass_number"]); got != "654321" {
		t.Errorf("retail contact pass_number = %q, want the correction", got)
	}
}

// savecompany: a corporate lead's company becomes a 1C partner once, its
// GUID on the company; after a correction of its bank details a second
// transfer updates the partner. From the retail account the old URL
// refuses it, as before.
func TestSaveCompanyToOneC(t *testing.T) {
	h := newHarness(t)
	kf := h.cfg.Accounts["corp"].CompanyFields
	co := h.fake.AddCompany(corpSub, amofake.Company{Name: "ООО Ромашка", CustomFields: []amofake.FieldValue{
		amofake.Text(kf["inn"], "7701234567"), amofake.Text(kf["kpp"], "770101001"), amofake.Phone("+7 495 123-45-67")}})
	lead := oneCLeadIDs.Add(1)
	h.fake.AddLead(corpSub, amofake.Lead{ID: lead, Name: "Обучение сотрудников", CompanyIDs: []int64{co}})
	h.onec.ResetRequests()

	job, res := h.saveHook("savecompany", corpAmo, lead)
	h.recordHistory(job, "save_company_1c")
	t.Logf("1C calls: %v; amoCRM calls: corp %v", h.oneCCalls(), h.apiCalls(corpSub))
	if res.Status != "transferred" || !res.CompanyID1C.Valid() {
		t.Fatalf("result = %+v", res)
	}
	partners := h.oneCBodies("EditPartner")
	if len(partners) != 1 || partners[0]["company_id_1C"] != nil || partners[0]["inn"] != "7701234567" || partners[0]["name"] != "ООО Ромашка" {
		t.Fatalf("1C got %v", partners)
	}
	c, _ := h.fake.Company(corpSub, co)
	if got := amofake.FirstValue(c.CustomFields, kf["company_id_1c"]); got != string(res.CompanyID1C) {
		t.Errorf("company_id_1c = %q, want %s", got, res.CompanyID1C)
	}

	if _, err := h.amo("corp").UpdateCompanies(h.ctx, []amocrm.Company{{ID: co,
		CustomFieldsValues: amocrm.CustomFields{amocrm.TextField(kf["kpp"], "770201001")}}}); err != nil {
		t.Fatal(err)
	}
	h.onec.ResetRequests()
	_, res2 := h.saveHook("savecompany", corpAmo, lead)
	if res2.CompanyID1C != res.CompanyID1C || len(h.onec.Objects("EditPartner")) != 1 {
		t.Fatalf("second transfer %+v; 1C holds %d partners", res2, len(h.onec.Objects("EditPartner")))
	}
	stored, _ := h.onec.Object("EditPartner", string(res.CompanyID1C))
	var p map[string]any
	if err := json.Unmarshal(stored, &p); err != nil {
		t.Fatal(err)
	}
	if p["kpp"] != "770201001" || p["inn"] != "7701234567" {
		t.Errorf("1C's partner after the correction: %s", stored)
	}
}

// savelead's client step follows the same rule: the retail person is a 1C
// client already through a corporate contact, so the lead's application
// names that client, nothing new is created in 1C, and the retail contact
// gets the GUID (the predecessor left it without).
func TestSync1COrderTakesTheClientOfTheOtherAccount(t *testing.T) {
	h := newHarness(t)
	cf := h.cfg.Accounts["corp"].ContactFields
	const guid = "6c0a3f4e-1c11-4b6e-9a7e-0b3c5d7e9f03"
	cc := h.fake.AddContact(corpSub, amofake.Contact{Name: "Иванова Мария Петровна", CustomFields: []amofake.FieldValue{
		amofake.Phone("+79161234567"), amofake.Text(cf["client_id_1c"], guid)}})
	h.onec.Put("EditStudent", map[string]any{"client_id_1C": guid, "name": "Иванова Мария Петровна", "phone": "+79161234567",
		"amo_ids": []any{map[string]any{"account_id": corpAmo, "entity_id": cc}}, "applications": []any{}, "diplomas": []any{}, "groups": []any{}})
	o := seedOrder(h, true, false)
	job := h.savelead("savelead", retail, retailAmo, o.lead)
	var res workflows.Sync1COrderResult
	h.completed(job, &res)
	h.recordHistory(job, "sync_1c_order_cross_account")
	t.Logf("1C calls: %v; amoCRM calls: retail %v corp %v", h.oneCCalls(), h.apiCalls(retail), h.apiCalls(corpSub))
	if res.Status != "transferred" || string(res.ClientID1C) != guid {
		t.Fatalf("result = %+v", res)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients, want the one it had", n)
	}
	apps := h.oneCBodies("EditApplication")
	if len(apps) != 1 || apps[0]["client_id_1C"] != guid {
		t.Fatalf("1C got %v", h.oneCCalls())
	}
	stored, _ := h.onec.Object("EditStudent", guid)
	var st map[string]any
	if err := json.Unmarshal(stored, &st); err != nil {
		t.Fatal(err)
	}
	if st["pass_number"] != "123456" || len(st["amo_ids"].([]any)) != 2 {
		t.Errorf("1C's client after the transfer: %s", stored)
	}
	c, _ := h.fake.Contact(retail, o.contact)
	if got := amofake.FirstValue(c.CustomFields, 710429); got != guid {
		t.Errorf("retail contact client_id_1c = %q, want %s", got, guid)
	}
	if n := len(h.fake.Contacts(corpSub)); n != 1 {
		t.Errorf("corporate contacts = %d, want the one there was", n)
	}
}

// The old C# URLs: /integration/1c/savecompany from the corporate account
// answers 200 (empty) once stored and the partner reaches 1C; from the
// retail account it answers 400 "Unexpected request." and stores nothing;
// /integration/1c/saveclient from the retail account transfers the client.
func TestLegacySaveClientAndCompanyURLs(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Inbound.Legacy.Hooks = config.LegacyRoute{Enabled: true}
		c.Inbound.LegacyWebhooks = config.LegacyWebhooks{Enabled: true, AllowFrom: []string{"127.0.0.1/32", "::1/128"}}
	})
	kf := h.cfg.Accounts["corp"].CompanyFields
	co := h.fake.AddCompany(corpSub, amofake.Company{Name: "ООО Лютик", CustomFields: []amofake.FieldValue{amofake.Text(kf["inn"], "7707083893")}})
	lead := oneCLeadIDs.Add(1)
	h.fake.AddLead(corpSub, amofake.Lead{ID: lead, Name: "Обучение", CompanyIDs: []int64{co}})
	rc := h.fake.AddContact(retail, amofake.Contact{Name: "Петров Пётр", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 777-66-55")}})
	retailLead := oneCLeadIDs.Add(1)
	h.fake.AddLead(retail, amofake.Lead{ID: retailLead, Name: "Массаж", ContactIDs: []int64{rc}})

	post := func(path string, account, id int64) (int, string) {
		form := url.Values{"leads[status][0][id]": {fmt.Sprint(id)}, "leads[status][0][status_id]": {"142"}, "account[id]": {fmt.Sprint(account)}}
		code, body := h.post1C("POST", path, "application/x-www-form-urlencoded", form.Encode())
		return code, string(body)
	}
	if code, body := post("/integration/1c/savecompany", retailAmo, retailLead); code != 400 || body != "Unexpected request." {
		t.Errorf("savecompany from retail = %d %q", code, body)
	}
	if code, body := post("/integration/1c/savecompany", corpAmo, lead); code != 200 || body != "" {
		t.Fatalf("savecompany = %d %q", code, body)
	}
	if code, body := post("/integration/1c/saveclient", retailAmo, retailLead); code != 200 || body != "" {
		t.Fatalf("saveclient = %d %q", code, body)
	}
	rf := h.cfg.Accounts["retail"].ContactFields
	deadline := time.Now().Add(time.Minute)
	for {
		c, _ := h.fake.Company(corpSub, co)
		r, _ := h.fake.Contact(retail, rc)
		partner, client := amofake.FirstValue(c.CustomFields, kf["company_id_1c"]), amofake.FirstValue(r.CustomFields, rf["client_id_1c"])
		if partner != "" && client != "" {
			if _, ok := h.onec.Object("EditPartner", partner); !ok {
				t.Errorf("the company names partner %s, which 1C does not hold", partner)
			}
			if _, ok := h.onec.Object("EditStudent", client); !ok {
				t.Errorf("the contact names client %s, which 1C does not hold", client)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: partner %q, client %q; 1C calls %v", partner, client, h.oneCCalls())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Two people on a lead and no 1C GUID: the note, nothing sent to 1C.
func TestSaveClientSeveralContactsIsANote(t *testing.T) {
	h := newHarness(t)
	a := h.fake.AddContact(retail, amofake.Contact{Name: "Мария", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 111-22-33")}})
	b := h.fake.AddContact(retail, amofake.Contact{Name: "Пётр", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 444-55-66")}})
	lead := oneCLeadIDs.Add(1)
	h.fake.AddLead(retail, amofake.Lead{ID: lead, Name: "Массаж", ContactIDs: []int64{a, b}})
	h.onec.ResetRequests()
	if _, res := h.saveHook("saveclient", retailAmo, lead); res.Status != "several_contacts" || res.ClientID1C != "" {
		t.Fatalf("result = %+v", res)
	}
	if n := len(h.onec.Requests()); n != 0 {
		t.Errorf("1C got %v", h.oneCCalls())
	}
	if notes := h.notesOn(retail, lead); !slices.Equal(notes, []string{"Ошибка переноса в 1С: в сделке больше одного контакта"}) {
		t.Errorf("notes = %q", notes)
	}
	if n := len(h.fake.Contacts(corpSub)); n != 0 {
		t.Errorf("the corporate account got %d contacts", n)
	}
}

// Two transfers of one new person at once (two deliveries, and savelead's
// client step alongside): one client in 1C, one contact in the other
// account, the GUID on both. (On this machine the runs did not overlap
// enough to make a second corporate contact even without saveClient's
// leases; the test pins the outcome, not the race.)
func TestSaveClientTwiceAtOnceMakesOneClient(t *testing.T) {
	h := newHarness(t)
	rf, cf := h.cfg.Accounts["retail"].ContactFields, h.cfg.Accounts["corp"].ContactFields
	o := seedOrder(h, true, false)
	if h.cfg.Inbound.WebhookToken == "" {
		h.cfg.Inbound.WebhookToken = "e2e-hook-token"
	}
	var jobs []string
	for i := range 2 {
		form := url.Values{"leads[status][0][id]": {fmt.Sprint(o.lead)}, "leads[status][0][status_id]": {"142"},
			"leads[status][0][last_modified]": {fmt.Sprint(time.Now().UnixNano()/1000 + int64(i))}, "account[id]": {fmt.Sprint(retailAmo)}}
		code, body := h.post1C("POST", "/v1/amo/webhooks/saveclient?token="+h.cfg.Inbound.WebhookToken, "application/x-www-form-urlencoded", form.Encode())
		var a struct {
			JobID string `json:"job_id"`
		}
		if err := json.Unmarshal(body, &a); err != nil || code != 202 || a.JobID == "" {
			t.Fatalf("webhook = %d %s", code, body)
		}
		jobs = append(jobs, a.JobID)
	}
	jobs = append(jobs, h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead}))
	for _, j := range jobs {
		if st := h.waitJob(j, 2*time.Minute); st.Status != "completed" {
			t.Fatalf("job %s: %s %s %s", j, st.Status, st.Result, st.Error)
		}
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients, want 1 (%v)", n, h.oneCCalls())
	}
	corp := h.fake.Contacts(corpSub)
	if len(corp) != 1 {
		t.Fatalf("corporate contacts = %d, want 1", len(corp))
	}
	r, _ := h.fake.Contact(retail, o.contact)
	guid := amofake.FirstValue(r.CustomFields, rf["client_id_1c"])
	if _, ok := h.onec.Object("EditStudent", guid); !ok || amofake.FirstValue(corp[0].CustomFields, cf["client_id_1c"]) != guid {
		t.Errorf("retail contact names %q, corporate %q", guid, amofake.FirstValue(corp[0].CustomFields, cf["client_id_1c"]))
	}
}
