package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/workflows"
)

// hook posts an amoCRM webhook of method and returns its delivery's result.
func (h *harness) hook(method string, form url.Values) workflows.WebhookResult {
	h.t.Helper()
	if h.cfg.Inbound.WebhookToken == "" {
		h.cfg.Inbound.WebhookToken = "e2e-hook-token"
	}
	code, body := h.post1C("POST", "/v1/amo/webhooks/"+method+"?token="+h.cfg.Inbound.WebhookToken, "application/x-www-form-urlencoded", form.Encode())
	var a struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(body, &a); err != nil || code != 202 || a.JobID == "" {
		h.t.Fatalf("webhook %s = %d %s", method, code, body)
	}
	var res workflows.WebhookResult
	h.completed(a.JobID, &res)
	if len(res.Events) != 1 || res.Events[0].Status != "done" {
		h.t.Fatalf("webhook %s: %+v", method, res)
	}
	return res
}

func contactUpdate(accountID, id int64) url.Values {
	return url.Values{"contacts[update][0][id]": {fmt.Sprint(id)}, "contacts[update][0][type]": {"contact"},
		"contacts[update][0][last_modified]": {fmt.Sprint(time.Now().UnixNano() / 1000)}, "account[id]": {fmt.Sprint(accountID)}}
}

func hookOutcome(t *testing.T, res workflows.WebhookResult) workflows.HookResult {
	t.Helper()
	var out workflows.HookResult
	if err := json.Unmarshal(res.Events[0].Result, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A manager corrects a passport number in amoCRM: 1C's client gets it (its
// applications kept), the client's contact in the other account gets it
// too, and the write-backs do not come back to 1C as edits.
func TestUpdateClientReachesOneCAndBothAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("needs RabbitMQ, Postgres and Temporal")
	}
	h := newHarness(t)
	rf, cf := h.cfg.Accounts["retail"].ContactFields, h.cfg.Accounts["corp"].ContactFields
	const guid = "5a0a3f4e-1c11-4b6e-9a7e-0b3c5d7e9f01"
	rc := h.fake.AddContact(retail, amofake.Contact{Name: "Иванова Мария Петровна", CustomFields: []amofake.FieldValue{
		amofake.Phone("+79161234567"), amofake.Text(rf["client_id_1c"], guid),
		amofake.Text(rf["pass_serie"], "0412"), amofake.Text(rf["pass_number"], "123456")}})
	cc := h.fake.AddContact(corpSub, amofake.Contact{Name: "Иванова Мария Петровна", CustomFields: []amofake.FieldValue{
		amofake.Phone("+79161234567"), amofake.Text(cf["client_id_1c"], guid)}})
	h.onec.Put("EditStudent", map[string]any{"client_id_1C": guid, "name": "Иванова Мария Петровна", "phone": "+79161234567",
		"pass_serie": "0412", "pass_number": "123456", "address": "Москва, Арбат 1", "applications": []any{map[string]any{"lead_id_1C": "x"}},
		"amo_ids":  []any{map[string]any{"account_id": retailAmo, "entity_id": rc}, map[string]any{"account_id": corpAmo, "entity_id": cc}},
		"diplomas": []any{}, "groups": []any{}})

	if _, err := h.amo("retail").UpdateContacts(h.ctx, []amocrm.Contact{{ID: rc,
		CustomFieldsValues: amocrm.CustomFields{amocrm.TextField(rf["pass_number"], "654321")}}}); err != nil {
		t.Fatal(err)
	}
	h.onec.ResetRequests()
	h.fake.ResetCalls()
	res := h.hook("updateclient", contactUpdate(retailAmo, rc))
	h.recordHistory(res.Events[0].JobID, "update_onec_client")
	if out := hookOutcome(t, res); !out.Changed {
		t.Fatalf("outcome = %+v", out)
	}
	t.Logf("1C calls: %v; amoCRM calls: retail %v corp %v", h.oneCCalls(), h.apiCalls(retail), h.apiCalls(corpSub))
	raw, _ := h.onec.Object("EditStudent", guid)
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if apps, _ := st["applications"].([]any); st["pass_number"] != "654321" || len(apps) != 1 || st["address"] != "Москва, Арбат 1" {
		t.Errorf("1C's client after the edit: %s", raw)
	}
	corp, _ := h.fake.Contact(corpSub, cc)
	if got := amofake.FirstValue(corp.CustomFields, cf["pass_number"]); got != "654321" {
		t.Errorf("corporate contact pass_number = %q, want the edit", got)
	}
	if got := amofake.FirstValue(corp.CustomFields, cf["address"]); cf["address"] != 0 && got != "Москва, Арбат 1" {
		t.Errorf("corporate contact address = %q, want 1C's", got)
	}

	// The corporate contact's update webhook (our own write) is an echo.
	posts := len(h.onec.RequestsTo("POST", "EditStudent"))
	res = h.hook("updateclient_corp", contactUpdate(corpAmo, cc))
	if out := hookOutcome(t, res); out.Skipped != "written by 1C" {
		t.Errorf("echo outcome = %+v", out)
	}
	if n := len(h.onec.RequestsTo("POST", "EditStudent")); n != posts {
		t.Errorf("the echo reached 1C: %d posts, want %d", n, posts)
	}
}

// A manager changes a lead's price: 1C's application gets it and keeps its
// status, payments and links.
func TestUpdateLeadKeepsOneCStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("needs RabbitMQ, Postgres and Temporal")
	}
	h := newHarness(t)
	lf := h.cfg.Accounts["retail"].LeadFields
	const guid = "7b0a3f4e-1c11-4b6e-9a7e-0b3c5d7e9f02"
	lead := oneCLeadIDs.Add(1)
	h.fake.AddLead(retail, amofake.Lead{ID: lead, Name: "Массаж", Price: 45000, PipelineID: 3198184, StatusID: 32532883,
		CustomFields: []amofake.FieldValue{amofake.Text(lf["lead_id_1c"], guid)}})
	h.onec.Put("EditApplication", map[string]any{"lead_id_1C": guid, "client_id_1C": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"product_id_1C": productUID, "price": 45000, "lead_status": "Оплачена", "organization": "НОЧУ ДПО МЦПО",
		"payments": []any{map[string]any{"payment_date": "01.12.2026 0:00:00", "payment_amount": 45000}},
		"amo_ids":  []any{map[string]any{"account_id": retailAmo, "entity_id": lead}}})
	if _, err := h.amo("retail").UpdateLeads(h.ctx, []amocrm.Lead{{ID: lead, Price: 52000}}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"leads[update][0][id]": {fmt.Sprint(lead)}, "leads[update][0][status_id]": {"32532883"},
		"leads[update][0][pipeline_id]": {"3198184"}, "leads[update][0][last_modified]": {fmt.Sprint(time.Now().Unix())},
		"account[id]": {fmt.Sprint(retailAmo)}}
	res := h.hook("updatelead", form)
	h.recordHistory(res.Events[0].JobID, "update_onec_lead")
	if out := hookOutcome(t, res); !out.Changed {
		t.Fatalf("outcome = %+v", out)
	}
	raw, _ := h.onec.Object("EditApplication", guid)
	var app map[string]any
	if err := json.Unmarshal(raw, &app); err != nil {
		t.Fatal(err)
	}
	if pays, _ := app["payments"].([]any); app["price"] != 52000.0 || app["lead_status"] != "Оплачена" || len(pays) != 1 ||
		app["product_id_1C"] != productUID {
		t.Errorf("1C's application after the edit: %s", raw)
	}
	// The same edit again changes nothing in 1C: no POST.
	posts := len(h.onec.RequestsTo("POST", "EditApplication"))
	form.Set("leads[update][0][last_modified]", fmt.Sprint(time.Now().Unix()+1))
	if out := hookOutcome(t, h.hook("updatelead", form)); out.Changed {
		t.Errorf("a repeated edit = %+v", out)
	}
	if n := len(h.onec.RequestsTo("POST", "EditApplication")); n != posts {
		t.Errorf("posts = %d, want %d", n, posts)
	}
}
