package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"amoflow/amofake"
	"amoflow/onec"
	"amoflow/onec/onecfake"
	"amoflow/workflows"
)

// elementsWith lists a catalog's elements whose field holds value.
func (h *harness) elementsWith(sub string, catalog, field int64, value string) []amofake.CatalogElement {
	var out []amofake.CatalogElement
	for _, el := range h.fake.CatalogElements(sub, catalog) {
		if amofake.FirstValue(el.CustomFields, field) == value {
			out = append(out, el)
		}
	}
	return out
}

func TestCourseFrom1CPriceNameAndBothAccounts(t *testing.T) {
	h := newHarness(t)
	const uid = "df5f07f7-5821-11eb-86f0-82172a65f31e"
	course := map[string]any{
		"secret_key": legacyKey, "product_id_1C": uid, "name": "Массаж классический", "short_name": "ММЦ-И",
		"ItemPrices": []map[string]any{
			{"PriceType": "Основная цена", "UID": "9e633e6d-3d2d-11eb-86e1-82172a65f31e", "Price": 6000},
			{"PriceType": "Инд.", "UID": "c0a6311b-8d63-11eb-891f-20040ffb909d", "Price": 9000},
		},
		"duration": 72, "format": "Очная", "supplementary_info": "Курс для начинающих",
	}
	code, body := h.post1C("POST", "/amo/api?update_course", "application/json", string(mustJSON(t, course)))
	var res workflows.AmoIDsResult
	if err := json.Unmarshal(body, &res); code != 200 || err != nil {
		t.Fatalf("update_course = %d %s", code, body)
	}
	t.Logf("amoCRM calls, new course: corp %v, retail %v", h.apiCalls(corpSub), h.apiCalls(retail))
	if len(res.AmoIDs) != 2 || res.AmoIDs[0].AccountID != corpAmo || res.AmoIDs[1].AccountID != retailAmo {
		t.Fatalf("amo_ids = %+v, want corporate then retail", res.AmoIDs)
	}
	for _, c := range []struct {
		sub                                                    string
		catalog, id, uidF, skuF, priceF, durF, formatF, descrF int64
	}{
		{corpSub, 5111, res.AmoIDs[0].EntityID, 751191, 751165, 751169, 751185, 751187, 751167},
		{retail, 12463, res.AmoIDs[1].EntityID, 710407, 647993, 647997, 715507, 715509, 647995},
	} {
		els := h.elementsWith(c.sub, c.catalog, c.uidF, uid)
		if len(els) != 1 || els[0].ID != c.id {
			t.Fatalf("%s: elements %+v, want %d", c.sub, els, c.id)
		}
		el := els[0]
		if el.Name != "Массаж классический" { // "-И" is a dashed code: no suffix
			t.Errorf("%s name = %q", c.sub, el.Name)
		}
		for f, want := range map[int64]string{c.skuF: "ММЦ-И", c.priceF: "9000", c.durF: "72", c.formatF: "Очная", c.descrF: "Курс для начинающих"} {
			if got := amofake.FirstValue(el.CustomFields, f); got != want {
				t.Errorf("%s field %d = %q, want %q", c.sub, f, got, want)
			}
		}
	}

	// "ПР" has no dash: the code joins the name; its green price is 0, so
	// the main price applies. Through the /v1 route this time.
	const uid2 = "0b9c2f61-5821-11eb-86f0-82172a65f31e"
	job := h.accept1C("POST", "/v1/1c/courses", map[string]any{"product_id_1C": uid2, "name": "Производственная практика 120/60",
		"short_name": "ПР", "ItemPrices": []map[string]any{
			{"UID": "5bba5dc4-580c-11eb-86f0-82172a65f31e", "Price": 0},
			{"UID": "9e633e6d-3d2d-11eb-86e1-82172a65f31e", "Price": 5000}}})
	var res2 workflows.AmoIDsResult
	h.completed(job, &res2)
	h.recordHistory(job, "course_from_1c")
	el := h.elementsWith(retail, 12463, 710407, uid2)
	if len(el) != 1 || el[0].Name != "Производственная практика 120/60(ПР)" || amofake.FirstValue(el[0].CustomFields, 647997) != "5000" {
		t.Errorf("ПР element = %+v", el)
	}

	// Sent again with its amo_ids and a new price: the same elements change.
	course["amo_ids"] = res.AmoIDs
	course["ItemPrices"] = []map[string]any{{"UID": "c0a6311b-8d63-11eb-891f-20040ffb909d", "Price": 9500}}
	h.fake.ResetCalls()
	code, body = h.post1C("POST", "/amo/api?update_course", "application/json", string(mustJSON(t, course)))
	var again workflows.AmoIDsResult
	if err := json.Unmarshal(body, &again); err != nil {
		t.Fatal(err)
	}
	if code != 200 || !slices.Equal(again.AmoIDs, res.AmoIDs) {
		t.Fatalf("second update_course = %d %s", code, body)
	}
	t.Logf("amoCRM calls, known course: corp %v, retail %v", h.apiCalls(corpSub), h.apiCalls(retail))
	for sub, f := range map[string][2]int64{corpSub: {751191, 751169}, retail: {710407, 647997}} {
		els := h.elementsWith(sub, map[string]int64{corpSub: 5111, retail: 12463}[sub], f[0], uid)
		if len(els) != 1 || amofake.FirstValue(els[0].CustomFields, f[1]) != "9500" {
			t.Errorf("%s after the update: %+v", sub, els)
		}
	}
	if code, body := h.post1C("POST", "/amo/api?update_course", "application/json", `{"secret_key":"wrong","product_id_1C":"`+uid+`"}`); code != 401 || string(body) != "Access denied!" {
		t.Errorf("wrong secret = %d %s", code, body)
	}
}

func TestCourseDeleteAndDedupeCoverBothAccountsAndEnd(t *testing.T) {
	h := newHarness(t)
	const uid = "5e1d4c02-5821-11eb-86f0-82172a65f31e"
	copies := map[string][]int64{}
	for sub, c := range map[string][2]int64{corpSub: {5111, 751191}, retail: {12463, 710407}} {
		for i := range 3 {
			copies[sub] = append(copies[sub], h.fake.AddCatalogElement(sub, amofake.CatalogElement{CatalogID: c[0],
				Name: fmt.Sprintf("Курс %d", i), CustomFields: []amofake.FieldValue{amofake.Text(c[1], uid)}}))
		}
		// A near miss the fuzzy search also returns: its name holds the uid, its field another one.
		h.fake.AddCatalogElement(sub, amofake.CatalogElement{CatalogID: c[0], Name: "копия " + uid,
			CustomFields: []amofake.FieldValue{amofake.Text(c[1], "11111111-5821-11eb-86f0-82172a65f31e")}})
	}
	req := `{"secret_key":"` + legacyKey + `","uid":"` + uid + `"}`
	if code, body := h.post1C("POST", "/amo/api/v2/?delete_doubles", "application/json", req); code != 200 || string(body) != "Success" {
		t.Fatalf("delete_doubles = %d %s", code, body)
	}
	t.Logf("calls, delete_doubles: corp %v; retail %v", h.apiCalls(corpSub), h.apiCalls(retail))
	for sub, c := range map[string][2]int64{corpSub: {5111, 751191}, retail: {12463, 710407}} {
		if els := h.elementsWith(sub, c[0], c[1], uid); len(els) != 1 || els[0].ID != copies[sub][0] {
			t.Errorf("%s after delete_doubles: %+v, want the oldest %d", sub, els, copies[sub][0])
		}
	}
	form := url.Values{"secret_key": {legacyKey}, "uid": {uid}}
	if code, body := h.post1C("POST", "/amo/api?delete_course", "application/x-www-form-urlencoded", form.Encode()); code != 200 || string(body) != "Success" {
		t.Fatalf("delete_course = %d %s", code, body)
	}
	for sub, c := range map[string][2]int64{corpSub: {5111, 751191}, retail: {12463, 710407}} {
		if els := h.elementsWith(sub, c[0], c[1], uid); len(els) != 0 {
			t.Errorf("%s after delete_course: %+v", sub, els)
		}
		if n := len(h.fake.CatalogElements(sub, c[0])); n != 1 {
			t.Errorf("%s: %d elements left, want the near miss", sub, n)
		}
	}
	// The same request again within the dedup window is the same job, with
	// the same answer; a new job finds nothing left.
	if code, body := h.post1C("POST", "/amo/api?delete_course", "application/x-www-form-urlencoded", form.Encode()); code != 200 || string(body) != "Success" {
		t.Errorf("delete_course again = %d %s", code, body)
	}
	job := h.start1C(workflows.DeleteCourse1CName, workflows.DeleteCourseInput{UID: uid})
	var res workflows.DeleteCourseResult
	h.completed(job, &res)
	if res.Found || res.Deleted["corp"] != 0 || res.Deleted["retail"] != 0 {
		t.Errorf("delete of a deleted course = %+v", res)
	}
	// The v1 route on another course, one copy in each account.
	const uid2 = "6f2e5d13-5821-11eb-86f0-82172a65f31e"
	for sub, c := range map[string][2]int64{corpSub: {5111, 751191}, retail: {12463, 710407}} {
		h.fake.AddCatalogElement(sub, amofake.CatalogElement{CatalogID: c[0], Name: "Курс",
			CustomFields: []amofake.FieldValue{amofake.Text(c[1], uid2)}})
	}
	job = h.accept1C("POST", "/v1/1c/courses/delete", map[string]any{"uid": uid2})
	res = workflows.DeleteCourseResult{}
	h.completed(job, &res)
	h.recordHistory(job, "delete_course_1c")
	if !res.Found || res.Deleted["corp"] != 1 || res.Deleted["retail"] != 1 {
		t.Errorf("v1 delete = %+v, want one element deleted in each account", res)
	}
}

func TestChangeResponsible1C(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var callbacks []string
	sensei := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		callbacks = append(callbacks, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
	}))
	t.Cleanup(sensei.Close)
	h.cfg.OneC.SenseiCallbackURL = sensei.URL + "/webhook"
	lead := h.fake.AddLead(retail, amofake.Lead{ID: oneCLeadIDs.Add(1), Name: "Договор", PipelineID: 3338257})

	form := url.Values{"id": {fmt.Sprint(lead)}, "uid": {"b5e5c7e2-1111-2222-3333-444455556666"}, "resp": {"Алферова Лилия"}, "sensei_hash": {"abc123"}}
	code, body := h.post1C("POST", "/v1/1c/change_resp", "application/x-www-form-urlencoded", form.Encode())
	var a struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(body, &a); err != nil || code != 202 {
		t.Fatalf("change_resp = %d %s", code, body)
	}
	var res workflows.ChangeResponsibleResult
	h.completed(a.JobID, &res)
	h.recordHistory(a.JobID, "change_responsible_1c")
	t.Logf("calls, change of responsible: %v; 1C %v", h.apiCalls(retail), h.oneCCalls())
	if res.Status != "changed" || !res.Notified {
		t.Errorf("result = %+v", res)
	}
	reqs := h.onec.RequestsTo("POST", "lk_editdata")
	want := `{"data":{"contract":{"action":"changeotv","contract_uid":"b5e5c7e2-1111-2222-3333-444455556666","otv":"Алферова Лилия"}}}`
	if len(reqs) != 1 || string(reqs[0].Body) != want {
		t.Errorf("lk_editdata = %+v, want one with %s", reqs, want)
	}
	if notes := h.notesOn(retail, lead); !slices.Equal(notes, []string{"Производится смена ответственного в 1с. Пожалуйста подождите.", "Ответственный в сделке успешно изменен!"}) {
		t.Errorf("notes = %q", notes)
	}
	mu.Lock()
	if !slices.Equal(callbacks, []string{"GET /webhook?hash=abc123&result=changed"}) {
		t.Errorf("callbacks = %q", callbacks)
	}
	callbacks = nil
	mu.Unlock()

	// 1C keeps failing: the error note and the admin task, no callback.
	h.cfg.OneC.RetryFor = 2 * time.Second
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.Fail500, Method: "lk_editdata"})
	lead2 := h.fake.AddLead(retail, amofake.Lead{ID: oneCLeadIDs.Add(1), Name: "Договор 2", PipelineID: 3338257})
	form.Set("id", fmt.Sprint(lead2))
	_, body = h.post1C("POST", "/v1/1c/change_resp", "application/x-www-form-urlencoded", form.Encode())
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	h.failed(a.JobID)
	if notes := h.notesOn(retail, lead2); !slices.Equal(notes, []string{"Производится смена ответственного в 1с. Пожалуйста подождите.", "Произошла ошибка"}) {
		t.Errorf("notes after a failure = %q", notes)
	}
	if tasks := h.fake.Tasks(retail); len(tasks) != 1 || tasks[0].EntityID != lead2 || tasks[0].TaskTypeID != taskType1C {
		t.Errorf("tasks = %+v", tasks)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(callbacks) != 0 {
		t.Errorf("Sensei was called after a failure: %q", callbacks)
	}
}

func TestClientAndCompanyFrom1C(t *testing.T) {
	h := newHarness(t)
	existing := h.fake.AddContact(retail, amofake.Contact{Name: "Мария", CustomFields: []amofake.FieldValue{
		amofake.Phone("+7 (916) 123-45-67", "+7 903 111-22-33")}})
	// A near miss of the fuzzy phone search, which must not be taken.
	h.fake.AddContact(corpSub, amofake.Contact{Name: "Другая", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 123-45-670")}})
	const guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	client := map[string]any{"client_id_1C": guid, "name": "Иванова Мария Петровна", "phone": "89161234567",
		"email": "maria@example.ru", "dob": "15.03.1990 0:00:00", "pass_serie": 4510, "pass_number": "123456",
		"pass_issued_at": "20.05.2010 0:00:00", "snils": "123-456-789 00"}
	job := h.accept1C("POST", "/v1/1c/clients", client)
	var res workflows.AmoIDsResult
	h.completed(job, &res)
	h.recordHistory(job, "client_from_1c")
	t.Logf("calls, client: corp %v; retail %v", h.apiCalls(corpSub), h.apiCalls(retail))
	if len(res.AmoIDs) != 2 || res.AmoIDs[0].AccountID != corpAmo || res.AmoIDs[1] != (onec.AmoID{AccountID: retailAmo, EntityID: existing}) {
		t.Fatalf("amo_ids = %+v, want a new corporate contact and retail %d", res.AmoIDs, existing)
	}
	c, _ := h.fake.Contact(retail, existing)
	for f, want := range map[int64]string{710429: guid, 715535: "4510", 715537: "123456", 724399: "123-456-789 00",
		644285: "637448400", 718557: "1274302800"} {
		if got := amofake.FirstValue(c.CustomFields, f); got != want {
			t.Errorf("retail contact field %d = %q, want %q", f, got, want)
		}
	}
	if c.Name != "Иванова Мария Петровна" || !hasValue(c.CustomFields, "PHONE", "+7 903 111-22-33") || !hasValue(c.CustomFields, "EMAIL", "maria@example.ru") {
		t.Errorf("retail contact = %+v (the second phone must stay)", c)
	}
	for _, f := range c.CustomFields {
		if f.FieldCode == "PHONE" && len(f.Values) != 2 {
			t.Errorf("phones = %v, want the two it had", f.Values)
		}
	}
	cc, _ := h.fake.Contact(corpSub, res.AmoIDs[0].EntityID)
	if amofake.FirstValue(cc.CustomFields, 748405) != guid || !hasValue(cc.CustomFields, "PHONE", "+79161234567") {
		t.Errorf("corporate contact = %+v", cc)
	}

	// PATCH with the amo_ids: updates, creates nothing.
	client["amo_ids"], client["name"] = res.AmoIDs, "Иванова-Смирнова Мария"
	var res2 workflows.AmoIDsResult
	h.completed(h.accept1C("PATCH", "/v1/1c/clients", client), &res2)
	if !slices.Equal(res2.AmoIDs, res.AmoIDs) || len(h.fake.Contacts(corpSub)) != 2 || len(h.fake.Contacts(retail)) != 1 {
		t.Errorf("PATCH = %+v; contacts corp %d retail %d", res2.AmoIDs, len(h.fake.Contacts(corpSub)), len(h.fake.Contacts(retail)))
	}
	if c, _ := h.fake.Contact(retail, existing); c.Name != "Иванова-Смирнова Мария" {
		t.Errorf("name after PATCH = %q", c.Name)
	}

	// A partner: a corporate company, found again by its GUID link.
	partner := map[string]any{"company_id_1C": "7d2b1a10-4f89-11d3-9a0c-0305e82c3301", "name": "ООО Ромашка", "inn": "7701234567",
		"kpp": "770101001", "ogrn": "1027700132195", "bik": "044525225", "acc_no": "40702810900000000001",
		"phone": "+7 495 123-45-67", "email": "buh@romashka.ru", "address": "Москва, ул. Ленина, 1"}
	var pres workflows.AmoIDsResult
	pjob := h.accept1C("POST", "/v1/1c/companies", partner)
	h.completed(pjob, &pres)
	h.recordHistory(pjob, "company_from_1c")
	if len(pres.AmoIDs) != 1 || pres.AmoIDs[0].AccountID != corpAmo {
		t.Fatalf("company amo_ids = %+v", pres.AmoIDs)
	}
	co, _ := h.fake.Company(corpSub, pres.AmoIDs[0].EntityID)
	for f, want := range map[int64]string{748387: "7d2b1a10-4f89-11d3-9a0c-0305e82c3301", 69123: "7701234567", 69125: "770101001",
		69121: "1027700132195", 69129: "044525225", 69127: "40702810900000000001", 33583: "Москва, ул. Ленина, 1"} {
		if got := amofake.FirstValue(co.CustomFields, f); got != want {
			t.Errorf("company field %d = %q, want %q", f, got, want)
		}
	}
	partner["kpp"] = "770101002"
	var pres2 workflows.AmoIDsResult
	h.completed(h.accept1C("POST", "/v1/1c/companies", partner), &pres2)
	if !slices.Equal(pres2.AmoIDs, pres.AmoIDs) || len(h.fake.Companies(corpSub)) != 1 {
		t.Errorf("second partner = %+v, companies %d", pres2.AmoIDs, len(h.fake.Companies(corpSub)))
	}
}

func TestOrderFrom1CUpdatesTheMatchingLeadAndSuppressesTheEcho(t *testing.T) {
	h := newHarness(t)
	retailLead := h.fake.AddLead(retail, amofake.Lead{ID: oneCLeadIDs.Add(1), Name: "retail", PipelineID: 3198184, Price: 1})
	corpLead := h.fake.AddLead(corpSub, amofake.Lead{Name: "corp", PipelineID: 5312269, Price: 1})
	order := map[string]any{"lead_id_1C": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "client_id_1C": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"product_id_1C": productUID, "organization": "НОЧУ ДПО МЦПО", "price": 45000, "is_corporate": false,
		"responsible_user": "admin_access", "marketing_channel": "Сайт", "marketing_source": "yandex",
		// The corporate entry comes first: the retail one must be used.
		"amo_ids": []map[string]any{{"account_id": corpAmo, "entity_id": corpLead}, {"account_id": retailAmo, "entity_id": retailLead}}}
	var res workflows.OrderResult
	h.completed(h.accept1C("POST", "/v1/1c/orders", order), &res)
	t.Logf("calls, order of a known lead: %v", h.apiCalls(retail))
	if res.LeadID != retailLead || res.Created || res.Account != "retail" {
		t.Fatalf("result = %+v", res)
	}
	l, _ := h.fake.Lead(retail, retailLead)
	if l.Price != 45000 || l.ResponsibleUserID != 7149397 {
		t.Errorf("retail lead price %d responsible %d", l.Price, l.ResponsibleUserID)
	}
	for f, want := range map[int64]string{710399: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", 645965: "МЦПО", 639075: "Сайт", 639085: "yandex"} {
		if got := amofake.FirstValue(l.CustomFields, f); got != want {
			t.Errorf("lead field %d = %q, want %q", f, got, want)
		}
	}
	if cl, _ := h.fake.Lead(corpSub, corpLead); cl.Price != 1 {
		t.Errorf("the corporate lead was changed: %+v", cl)
	}

	// The lead 1C just wrote reaches "transfer to 1C" (say, a stage robot):
	// that is 1C's own write coming back, and nothing goes to 1C.
	var sync workflows.Sync1COrderResult
	h.completed(h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: retailLead}), &sync)
	if sync.Status != "echo" || len(h.onec.Requests()) != 0 {
		t.Errorf("sync after 1C's write = %+v, 1C calls %v", sync, h.oneCCalls())
	}
}

func TestOrderFrom1CCreatesTheLeadWithContactAndCourse(t *testing.T) {
	h := newHarness(t)
	const client, course, lead1C = "c1c1c1c1-4f89-11d3-9a0c-0305e82c3301", "c0c0c0c0-5821-11eb-86f0-82172a65f31e", "1e1e1e1e-3b7d-4bad-9bdd-2b0d7b3dcb6d"
	h.onec.Put("EditStudent", onec.Student{ClientID: client, Name: "Петров Пётр", Phone: "+79260000001", Email: "petr@example.ru"})
	h.onec.Put("EditCourse", onec.Course{ProductID: course, Name: "Косметология", ShortName: "КОС-1",
		ItemPrices: []onec.PriceItem{{UID: "5bba5dc4-580c-11eb-86f0-82172a65f31e", Price: 30000}}})
	order := map[string]any{"lead_id_1C": lead1C, "client_id_1C": client, "product_id_1C": course,
		"organization": "ООО «МИРК»", "price": 30000, "is_corporate": false, "author": "admin_access"}
	job := h.accept1C("POST", "/v1/1c/orders", order)
	var res workflows.OrderResult
	h.completed(job, &res)
	h.recordHistory(job, "order_from_1c_new")
	t.Logf("amoCRM calls: retail %v; corp %v; 1C %v", h.apiCalls(retail), h.apiCalls(corpSub), h.oneCCalls())
	if !res.Created || res.LeadID == 0 || onec.AmoIDIn(res.AmoIDs, retailAmo) != res.LeadID {
		t.Fatalf("result = %+v", res)
	}
	l, _ := h.fake.Lead(retail, res.LeadID)
	if l.Name != "Косметология(КОС-1)" || l.PipelineID != 3198184 || l.Price != 30000 || l.ResponsibleUserID != 7149397 ||
		amofake.FirstValue(l.CustomFields, 710399) != lead1C || amofake.FirstValue(l.CustomFields, 645965) != "ООО «МИРК»" {
		t.Errorf("lead = %+v", l)
	}
	contacts := h.fake.Contacts(retail)
	if len(contacts) != 1 || !slices.Contains(l.ContactIDs, contacts[0].ID) || amofake.FirstValue(contacts[0].CustomFields, 710429) != client {
		t.Errorf("contacts %+v, lead contacts %v", contacts, l.ContactIDs)
	}
	els := h.elementsWith(retail, 12463, 710407, course)
	links := h.fake.LinksOf(retail, "leads", res.LeadID)
	if len(els) != 1 || !slices.ContainsFunc(links, func(k amofake.Link) bool { return k.ToEntityType == "catalog_elements" && k.ToEntityID == els[0].ID }) {
		t.Errorf("course elements %+v, lead links %+v", els, links)
	}
	// The same order again (PATCH, another job): the lead is found by its GUID.
	order["price"] = 31000
	var again workflows.OrderResult
	h.completed(h.accept1C("PATCH", "/v1/1c/orders", order), &again)
	if again.LeadID != res.LeadID || again.Created || len(h.fake.Leads(retail)) != 1 {
		t.Errorf("second order = %+v, leads %d", again, len(h.fake.Leads(retail)))
	}
	if l, _ := h.fake.Lead(retail, res.LeadID); l.Price != 31000 {
		t.Errorf("price after PATCH = %d", l.Price)
	}
}

func TestStudyGroupLead(t *testing.T) {
	h := newHarness(t)
	s1 := h.fake.AddContact(retail, amofake.Contact{Name: "Студент 1"})
	s2 := h.fake.AddContact(retail, amofake.Contact{Name: "Студент 2", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 555-44-33")}})
	group := map[string]any{"group": "ММЦ-12", "date_start": "01.09.2025 0:00:00", "date_end": "30.09.2025 0:00:00",
		"date_exam": "01.10.2025 0:00:00", "teacher": "Петров Иван Сергеевич", "responsible_user": "admin_access",
		"organization": "НОЧУ ДПО МЦПО", "auditory": "Ауд. 5", "students": []map[string]any{
			{"amo_ids": []map[string]any{{"account_id": retailAmo, "entity_id": s1}}},
			{"1c_id": "5a5a5a5a-4f89-11d3-9a0c-0305e82c3301", "phone": "8 (916) 555-44-33"},
			{"1c_id": "6b6b6b6b-4f89-11d3-9a0c-0305e82c3301", "phone": "+7 999 000-00-00"},
		}}
	job := h.accept1C("POST", "/v1/1c/study_groups", group)
	var res workflows.StudyGroupResult
	h.completed(job, &res)
	h.recordHistory(job, "study_group_lead")
	t.Logf("calls, study group: %v", h.apiCalls(retail))
	if !res.Created || !slices.Equal(res.Linked, []int64{s1, s2}) || !slices.Equal(res.NotFound, []int{2}) {
		t.Fatalf("result = %+v", res)
	}
	leads := h.fake.Leads(retail)
	if len(leads) != 1 {
		t.Fatalf("leads = %+v, want only the group's (no junk lead)", leads)
	}
	l := leads[0]
	start := time.Date(2025, 9, 1, 0, 0, 0, 0, onec.Zone).Unix()
	if l.Name != "ММЦ-12 01.09 Петров" || l.PipelineID != 3338257 || l.ResponsibleUserID != 7149397 ||
		!slices.ContainsFunc(l.Tags, func(tg amofake.Tag) bool { return tg.ID == 375491 }) {
		t.Errorf("lead = %+v", l)
	}
	for f, want := range map[int64]string{643199: fmt.Sprint(start), 645965: "МЦПО", 643207: "Очная", 644763: "Групповой",
		730623: "Петров Иван Сергеевич", 730625: "Ауд. 5", 639075: "ММЦ-12 01.09 Петров"} {
		if got := amofake.FirstValue(l.CustomFields, f); got != want {
			t.Errorf("lead field %d = %q, want %q", f, got, want)
		}
	}
	if !slices.Contains(l.ContactIDs, s1) || !slices.Contains(l.ContactIDs, s2) {
		t.Errorf("lead contacts = %v", l.ContactIDs)
	}

	// A group with its lead: the students are linked to it, no lead is made.
	s3 := h.fake.AddContact(retail, amofake.Contact{Name: "Студент 3", CustomFields: []amofake.FieldValue{amofake.Phone("+7 999 000-00-00")}})
	var res2 workflows.StudyGroupResult
	h.completed(h.accept1C("POST", "/v1/1c/study_groups", map[string]any{"lead_id": l.ID, "students": []map[string]any{
		{"phone": "+7 999 000-00-00"}, {"amo_ids": []map[string]any{{"account_id": retailAmo, "entity_id": s1}}}}}), &res2)
	if res2.Created || res2.LeadID != l.ID || len(h.fake.Leads(retail)) != 1 {
		t.Errorf("existing lead: %+v", res2)
	}
	if l2, _ := h.fake.Lead(retail, l.ID); !slices.Contains(l2.ContactIDs, s3) || len(l2.ContactIDs) != 3 {
		t.Errorf("contacts of the existing lead = %v", l2.ContactIDs)
	}
	// A distance manager's group goes to the distance pipeline.
	group["responsible_user"], group["group"], group["students"] = "Пищаева Екатерина", "ДИСТ-1", nil
	var res3 workflows.StudyGroupResult
	h.completed(h.accept1C("POST", "/v1/1c/study_groups", group), &res3)
	if l3, _ := h.fake.Lead(retail, res3.LeadID); l3.PipelineID != 6706178 || l3.ResponsibleUserID != 2576764 {
		t.Errorf("distance group lead = %+v", l3)
	}
}

func TestCorpLeadByINNAndManagers(t *testing.T) {
	h := newHarness(t)
	in := map[string]any{"inn": "7701234567", "company": "ООО Ромашка", "name": "Иван", "surname": "Петров",
		"phone": "+7 (916) 777-66-55", "email": "ivan@romashka.ru", "post": "Директор", "manager_id": "2375131"}
	var res workflows.CorpLeadResult
	job := h.accept1C("POST", "/v1/1c/corp_leads", in)
	h.completed(job, &res)
	h.recordHistory(job, "corp_lead_by_inn_new")
	t.Logf("calls, corporate lead: %v", h.apiCalls(corpSub))
	if res.LeadID == 0 || res.ContactID == 0 || res.CompanyID == 0 || res.Merged {
		t.Fatalf("result = %+v", res)
	}
	l, _ := h.fake.Lead(corpSub, res.LeadID)
	if l.PipelineID != 5312269 || l.StatusID != 47317618 || l.ResponsibleUserID != 2375131 ||
		!slices.Contains(l.ContactIDs, res.ContactID) || !slices.Contains(l.CompanyIDs, res.CompanyID) {
		t.Errorf("lead = %+v", l)
	}
	co, _ := h.fake.Company(corpSub, res.CompanyID)
	c, _ := h.fake.Contact(corpSub, res.ContactID)
	if co.Name != "ООО Ромашка" || amofake.FirstValue(co.CustomFields, 69123) != "7701234567" || !slices.Contains(c.CompanyIDs, res.CompanyID) {
		t.Errorf("company %+v, contact %+v", co, c)
	}
	// The same person again: their open lead is used.
	in["email"] = "ivan.petrov@romashka.ru"
	var res2 workflows.CorpLeadResult
	job = h.accept1C("POST", "/v1/1c/corp_leads", in)
	h.completed(job, &res2)
	h.recordHistory(job, "corp_lead_by_inn_merged")
	if !res2.Merged || res2.LeadID != res.LeadID || res2.ContactID != res.ContactID || len(h.fake.Leads(corpSub)) != 1 {
		t.Errorf("second request = %+v", res2)
	}

	code, body := h.post1C("GET", "/v1/1c/managers", "", "")
	var managers []workflows.Manager
	if err := json.Unmarshal(body, &managers); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range managers {
		ids = append(ids, m.ID)
	}
	// onec.managers lists 2375116, 2375131, 8628763, 9508182; the fake has no 9508182.
	if code != 200 || !slices.Equal(ids, []int64{2375116, 2375131, 8628763}) || !strings.Contains(managers[0].Email, "@") {
		t.Errorf("managers = %d %s", code, body)
	}
	// The same flow as a job of its own, for its recorded history.
	mjob := h.start1C(workflows.ListManagersName, workflows.ListManagersInput{})
	var listed []workflows.Manager
	h.completed(mjob, &listed)
	h.recordHistory(mjob, "list_managers")
	if len(listed) != len(managers) {
		t.Errorf("ListManagers job = %+v, want the %d managers of the route", listed, len(managers))
	}
}
