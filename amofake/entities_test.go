package amofake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidation(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(400, e.do("POST", "/retail/api/v4/leads", []map[string]any{
		{"name": "ok", "custom_fields_values": []any{map[string]any{"field_id": fieldSite, "values": []any{map[string]any{"value": "mzpo-s.ru"}}}}},
		{"name": "bad", "custom_fields_values": []any{map[string]any{"field_id": 999, "values": []any{map[string]any{"value": "x"}}}}},
	}))
	const want = `{"validation-errors":[{"request_id":"1","errors":[{"code":"NotSupportedChoice","path":"custom_fields_values.0.field_id","detail":"The value you selected is not a valid choice."}]}],"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed"}`
	if string(r.body) != want {
		t.Errorf("body:\n%s\nwant:\n%s", r.body, want)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q", ct)
	}
	if n := len(e.fake.Leads(sub)); n != 0 {
		t.Errorf("a failed batch created %d leads", n)
	}

	// Contacts may name PHONE and EMAIL by code; an unknown code or enum is an error.
	e.must(200, e.do("POST", "/retail/api/v4/contacts", []map[string]any{{"name": "Иван",
		"custom_fields_values": []any{map[string]any{"field_code": "PHONE", "values": []any{map[string]any{"value": "+79161234567", "enum_code": "MOB"}}}}}}))
	c := e.fake.Contacts(sub)[0]
	if f := c.CustomFields[0]; f.FieldID != phoneID || f.FieldCode != "PHONE" || f.Values[0].EnumCode != "MOB" || f.Values[0].EnumID == 0 {
		t.Errorf("phone stored as %+v", f)
	}
	for _, body := range []string{
		`[{"custom_fields_values":[{"field_code":"FAX","values":[{"value":"1"}]}]}]`,
		`[{"custom_fields_values":[{"field_code":"PHONE","values":[{"value":"1","enum_code":"PAGER"}]}]}]`,
		`[{"custom_fields_values":[{"values":[{"value":"1"}]}]}]`,
		`[{"name":42}]`,
		`[{"responsible_user_id":"me"}]`,
	} {
		r := e.do("POST", "/retail/api/v4/contacts", json.RawMessage(body))
		if r.status != 400 || !strings.Contains(string(r.body), "validation-errors") {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}

	// A text field takes at most 256 characters; one more refuses the request.
	textValue := func(n int) []map[string]any {
		return []map[string]any{{"name": "x", "custom_fields_values": []any{map[string]any{"field_id": fieldSite,
			"values": []any{map[string]any{"value": strings.Repeat("я", n)}}}}}}
	}
	e.must(200, e.do("POST", "/retail/api/v4/leads", textValue(256)))
	r = e.must(400, e.do("POST", "/retail/api/v4/leads", textValue(257)))
	if !strings.Contains(string(r.body), `"code":"LengthTooLong","path":"custom_fields_values.0.values.0.value"`) {
		t.Errorf("257 characters: %s", r.body)
	}

	// More than 50 entities, an empty batch and a non-array are refused.
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"name": "x"}
	}
	r = e.must(400, e.do("POST", "/retail/api/v4/leads", many))
	if !strings.Contains(string(r.body), `"validation-errors"`) {
		t.Errorf("51 entities: %s", r.body)
	}
	e.must(400, e.do("POST", "/retail/api/v4/leads", []any{}))
	e.must(400, e.do("POST", "/retail/api/v4/leads", map[string]any{"name": "x"}))

	// Updates need an id that exists; notes need text.
	r = e.must(400, e.do("PATCH", "/retail/api/v4/leads", []map[string]any{{"name": "x"}}))
	if !strings.Contains(string(r.body), `"path":"id"`) {
		t.Errorf("patch without id: %s", r.body)
	}
	e.must(400, e.do("PATCH", "/retail/api/v4/leads/5", map[string]any{"name": "x"}))
	lid := e.fake.AddLead(sub, Lead{Name: "x"})
	e.must(400, e.do("POST", "/retail/api/v4/leads/notes", []map[string]any{{"entity_id": lid, "note_type": "common", "params": map[string]any{}}}))
	e.must(400, e.do("POST", "/retail/api/v4/leads/notes", []map[string]any{{"entity_id": lid, "note_type": "fax", "params": map[string]any{"text": "x"}}}))
	e.must(400, e.do("POST", "/retail/api/v4/leads/notes", []map[string]any{{"entity_id": lid + 1, "note_type": "common", "params": map[string]any{"text": "x"}}}))
}

func TestCreateAndGetLead(t *testing.T) {
	e := newEnv(t, nil)
	cid := e.fake.AddContact(sub, Contact{Name: "Иван"})
	r := e.must(200, e.do("POST", "/retail/api/v4/leads", []map[string]any{{
		"name": "Заявка", "price": 1500, "request_id": "form-1",
		"custom_fields_values": []any{map[string]any{"field_id": fieldSite, "values": []any{map[string]any{"value": "mzpo-s.ru"}}}},
		"_embedded":            map[string]any{"tags": []any{map[string]any{"name": "Заявка с сайта"}, map[string]any{"name": "Новый тег"}}, "contacts": []any{map[string]any{"id": cid}}},
	}}))
	if ct := r.header.Get("Content-Type"); ct != "application/hal+json" {
		t.Errorf("content type %q", ct)
	}
	m := r.json(t)
	id := num(t, dig(t, m, "_embedded", "leads", 0, "id"))
	if rid := dig(t, m, "_embedded", "leads", 0, "request_id"); rid != "form-1" {
		t.Errorf("request_id = %v", rid)
	}

	lead := e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(id)+"?with=contacts", nil)).json(t)
	for k, want := range map[string]any{"name": "Заявка", "price": 1500.0, "pipeline_id": 3198184.0, "status_id": 32532880.0,
		"account_id": 28395871.0, "responsible_user_id": 2576764.0, "is_deleted": false, "closed_at": nil} {
		if lead[k] != want {
			t.Errorf("%s = %v, want %v", k, lead[k], want)
		}
	}
	if lead["created_at"] != float64(e.clock.Now().Unix()) || lead["updated_at"] != lead["created_at"] {
		t.Errorf("times: %v %v", lead["created_at"], lead["updated_at"])
	}
	if self := dig(t, lead, "_links", "self", "href"); self != e.srv.URL+"/retail/api/v4/leads/"+itoa(id) {
		t.Errorf("self = %v", self)
	}
	if got := dig(t, lead, "custom_fields_values", 0, "values", 0, "value"); got != "mzpo-s.ru" {
		t.Errorf("field value = %v", got)
	}
	if got := dig(t, lead, "_embedded", "tags", 0, "id"); got != 139175.0 {
		t.Errorf("known tag resolved to %v", got)
	}
	if got := dig(t, lead, "_embedded", "contacts", 0); num(t, got.(map[string]any)["id"]) != cid || got.(map[string]any)["is_main"] != true {
		t.Errorf("contact = %v", got)
	}
	if tags := e.fake.Tags(sub, "leads"); !slices.ContainsFunc(tags, func(t Tag) bool { return t.Name == "Новый тег" && t.ID != 0 }) {
		t.Errorf("unknown tag name not created: %v", tags)
	}
	events := e.fake.Events(sub)
	if len(events) == 0 || events[len(events)-1].Type != "lead_added" {
		t.Errorf("events = %+v", events)
	}
}

func TestPatchLead(t *testing.T) {
	e := newEnv(t, nil)
	id := e.fake.AddLead(sub, Lead{Name: "old", StatusID: 32532880,
		CustomFields: []FieldValue{Text(fieldSite, "a.ru"), Text(639075, "form")},
		Tags:         []Tag{{Name: "mzpo-s.ru"}, {Name: "Заявка с сайта"}}})
	before, _ := e.fake.Lead(sub, id)
	e.clock.Add(time.Minute)

	// PATCH /leads/{id}: only the fields given change; tags are replaced.
	r := e.must(200, e.do("PATCH", "/retail/api/v4/leads/"+itoa(id), map[string]any{
		"custom_fields_values": []any{map[string]any{"field_id": fieldSite, "values": []any{map[string]any{"value": "b.ru"}}}},
		"_embedded":            map[string]any{"tags": []any{map[string]any{"id": 246137}, map[string]any{"name": "Повтор"}}},
	})).json(t)
	if num(t, r["id"]) != id || num(t, r["updated_at"]) != e.clock.Now().Unix() {
		t.Errorf("answer %v", r)
	}
	l, _ := e.fake.Lead(sub, id)
	if l.Name != "old" || FirstValue(l.CustomFields, fieldSite) != "b.ru" || FirstValue(l.CustomFields, 639075) != "form" {
		t.Errorf("merge: %+v", l)
	}
	var names []string
	for _, tg := range l.Tags {
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "mzpo-s.ru,Повтор" {
		t.Errorf("tags = %v", names)
	}
	if l.UpdatedAt == before.UpdatedAt {
		t.Error("updated_at did not change")
	}

	// PATCH /leads (array): clearing a field, closing the lead, empty tags.
	e.must(200, e.do("PATCH", "/retail/api/v4/leads", []map[string]any{{"id": id, "status_id": StatusWon,
		"custom_fields_values": []any{map[string]any{"field_id": 639075, "values": nil}},
		"_embedded":            map[string]any{"tags": []any{}}}}))
	l, _ = e.fake.Lead(sub, id)
	if FirstValue(l.CustomFields, 639075) != "" || len(l.Tags) != 0 || l.StatusID != StatusWon || l.ClosedAt != e.clock.Now().Unix() {
		t.Errorf("after close: %+v", l)
	}
	last := e.fake.Events(sub)[len(e.fake.Events(sub))-1]
	if last.Type != "lead_status_changed" || last.EntityID != id {
		t.Errorf("event %+v", last)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t, nil)
	exact := e.fake.AddContact(sub, Contact{Name: "Иван Петров", CustomFields: []FieldValue{Phone("+7 (916) 123-45-67"), Email("Ivan@Example.com")}})
	near := e.fake.AddContact(sub, Contact{Name: "Другой", CustomFields: []FieldValue{Phone("8 916 123 45 678")}})
	lead := e.fake.AddLead(sub, Lead{Name: "Сделка", ContactIDs: []int64{exact}})

	ids := func(query string) []int64 {
		r := e.do("GET", "/retail/api/v4/contacts?with=leads&query="+query, nil)
		if r.status == 204 {
			return nil
		}
		var out []int64
		for _, c := range dig(t, e.must(200, r).json(t), "_embedded", "contacts").([]any) {
			out = append(out, num(t, c.(map[string]any)["id"]))
		}
		return out
	}
	// The digits of a phone contain the digits of the query: both hit, even
	// the number that merely contains them.
	if got := ids("9161234567"); !slices.Equal(got, []int64{exact, near}) {
		t.Errorf("phone digits: %v", got)
	}
	if got := ids("%2B79161234567"); !slices.Equal(got, []int64{exact}) {
		t.Errorf("+7 number: %v", got)
	}
	if got := ids("ivan@example"); !slices.Equal(got, []int64{exact}) {
		t.Errorf("email, any case: %v", got)
	}
	if got := ids("петров"); !slices.Equal(got, []int64{exact}) {
		t.Errorf("name, any case: %v", got)
	}
	if got := ids("0000000"); got != nil {
		t.Errorf("no hit: %v", got)
	}

	// with=leads embeds the contact's leads.
	r := e.must(200, e.do("GET", "/retail/api/v4/contacts?with=leads&query=Иван", nil)).json(t)
	if got := num(t, dig(t, r, "_embedded", "contacts", 0, "_embedded", "leads", 0, "id")); got != lead {
		t.Errorf("embedded lead %d, want %d", got, lead)
	}
	r = e.must(200, e.do("GET", "/retail/api/v4/contacts/"+itoa(exact)+"?with=leads", nil)).json(t)
	if got := num(t, dig(t, r, "_embedded", "leads", 0, "id")); got != lead {
		t.Errorf("embedded lead %d, want %d", got, lead)
	}
	if got := dig(t, r, "custom_fields_values", 0, "field_code"); got != "PHONE" {
		t.Errorf("field_code = %v", got)
	}
}

func TestComplexAndLinks(t *testing.T) {
	e := newEnv(t, nil)
	existing := e.fake.AddContact(sub, Contact{Name: "Есть"})
	r := e.must(200, e.do("POST", "/retail/api/v4/leads/complex", []map[string]any{
		{"name": "С новым контактом", "_embedded": map[string]any{
			"contacts":  []any{map[string]any{"first_name": "Анна", "custom_fields_values": []any{map[string]any{"field_code": "PHONE", "values": []any{map[string]any{"value": "+79990001122"}}}}}},
			"companies": []any{map[string]any{"name": "ООО Ромашка"}},
			"tags":      []any{map[string]any{"name": "mzpo-s.ru"}},
		}},
		{"name": "Со старым", "_embedded": map[string]any{"contacts": []any{map[string]any{"id": existing}}}},
	}))
	var got []struct {
		ID        int64    `json:"id"`
		ContactID int64    `json:"contact_id"`
		CompanyID *int64   `json:"company_id"`
		RequestID []string `json:"request_id"`
		Merged    bool     `json:"merged"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || len(got) != 2 {
		t.Fatalf("answer is not a two-element array: %v %s", err, r.body)
	}
	if got[0].ContactID == 0 || got[0].CompanyID == nil || got[0].RequestID[0] != "0" || got[0].Merged {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].ContactID != existing || got[1].CompanyID != nil || got[1].RequestID[0] != "1" {
		t.Errorf("second: %+v", got[1])
	}
	c, _ := e.fake.Contact(sub, got[0].ContactID)
	if c.Name != "Анна" || !slices.Equal(c.LeadIDs, []int64{got[0].ID}) || !slices.Equal(c.CompanyIDs, []int64{*got[0].CompanyID}) {
		t.Errorf("new contact: %+v", c)
	}

	// The links show from both sides.
	lead := got[0].ID
	links := e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(lead)+"/links", nil)).json(t)
	if n := num(t, links["_total_items"]); n != 2 {
		t.Errorf("%d links: %v", n, links)
	}
	back := e.must(200, e.do("GET", "/retail/api/v4/contacts/"+itoa(got[0].ContactID)+"/links?filter[to_entity_type]=leads", nil)).json(t)
	if num(t, dig(t, back, "_embedded", "links", 0, "to_entity_id")) != lead {
		t.Errorf("reverse link: %v", back)
	}

	// Link a catalog element and a second contact; linking twice is harmless.
	el := e.fake.AddCatalogElement(sub, CatalogElement{CatalogID: catalogID, Name: "Массаж"})
	body := []map[string]any{
		{"to_entity_id": el, "to_entity_type": "catalog_elements", "metadata": map[string]any{"quantity": 2, "catalog_id": catalogID}},
		{"to_entity_id": existing, "to_entity_type": "contacts"},
	}
	e.must(200, e.do("POST", "/retail/api/v4/leads/"+itoa(lead)+"/link", body))
	e.must(200, e.do("POST", "/retail/api/v4/leads/"+itoa(lead)+"/link", body))
	l, _ := e.fake.Lead(sub, lead)
	if !slices.Equal(l.ContactIDs, []int64{got[0].ContactID, existing}) {
		t.Errorf("contacts %v: the first must stay main", l.ContactIDs)
	}
	full := e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(lead)+"?with=catalog_elements,contacts", nil)).json(t)
	els := dig(t, full, "_embedded", "catalog_elements").([]any)
	if len(els) != 1 || num(t, dig(t, els[0], "metadata", "quantity")) != 2 || num(t, dig(t, els[0], "metadata", "catalog_id")) != catalogID {
		t.Errorf("catalog elements: %v", els)
	}
	if n := len(dig(t, full, "_embedded", "contacts").([]any)); n != 2 {
		t.Errorf("%d contacts embedded", n)
	}
	e.must(400, e.do("POST", "/retail/api/v4/leads/"+itoa(lead)+"/link", []map[string]any{
		{"to_entity_id": el, "to_entity_type": "catalog_elements", "metadata": map[string]any{"catalog_id": 1}}}))
	e.must(400, e.do("POST", "/retail/api/v4/leads/"+itoa(lead)+"/link", []map[string]any{{"to_entity_id": 1, "to_entity_type": "contacts"}}))
}

func TestPagination(t *testing.T) {
	e := newEnv(t, nil)
	var ids []int64
	for i := range 5 {
		ids = append(ids, e.fake.AddLead(sub, Lead{Name: fmt.Sprint("lead ", i), UpdatedAt: int64(1000 - i)}))
	}
	next := "/retail/api/v4/leads?limit=2&order[updated_at]=asc&filter[id][]=" + itoa(ids[0])
	for _, id := range ids[1:] {
		next += "&filter[id][]=" + itoa(id)
	}
	var got []int64
	pages := 0
	for next != "" {
		pages++
		m := e.must(200, e.do("GET", next, nil)).json(t)
		if num(t, m["_page"]) != int64(pages) {
			t.Errorf("_page = %v on page %d", m["_page"], pages)
		}
		for _, l := range dig(t, m, "_embedded", "leads").([]any) {
			got = append(got, num(t, l.(map[string]any)["id"]))
		}
		next = ""
		if n, ok := dig(t, m, "_links").(map[string]any)["next"]; ok {
			next = dig(t, n, "href").(string)
			if !strings.HasPrefix(next, e.srv.URL+"/retail/api/v4/leads?") {
				t.Fatalf("next href %q", next)
			}
		}
	}
	slices.Reverse(ids) // ordered by updated_at ascending
	if pages != 3 || !slices.Equal(got, ids) {
		t.Errorf("%d pages, ids %v, want %v", pages, got, ids)
	}
	e.must(204, e.do("GET", "/retail/api/v4/leads?limit=2&page=4", nil))

	// filter[id][n]= and filter[statuses]
	m := e.must(200, e.do("GET", "/retail/api/v4/leads?filter[id][0]="+itoa(ids[0])+"&filter[id][1]="+itoa(ids[1]), nil)).json(t)
	if n := len(dig(t, m, "_embedded", "leads").([]any)); n != 2 {
		t.Errorf("filter[id][n]: %d leads", n)
	}
	won := e.fake.AddLead(sub, Lead{Name: "won", PipelineID: 3198184, StatusID: StatusWon})
	m = e.must(200, e.do("GET", "/retail/api/v4/leads?filter[statuses][0][pipeline_id]=3198184&filter[statuses][0][status_id]=142", nil)).json(t)
	if l := dig(t, m, "_embedded", "leads").([]any); len(l) != 1 || num(t, l[0].(map[string]any)["id"]) != won {
		t.Errorf("filter[statuses]: %v", l)
	}
}

func TestNotesAndTasks(t *testing.T) {
	e := newEnv(t, nil)
	lead := e.fake.AddLead(sub, Lead{Name: "x"})
	r := e.must(200, e.do("POST", "/retail/api/v4/leads/notes", []map[string]any{
		{"entity_id": lead, "note_type": "common", "params": map[string]any{"text": "привет"}},
		{"entity_id": lead, "note_type": "service_message", "params": map[string]any{"service": "amoflow", "text": "перенесено"}},
		{"entity_id": lead, "note_type": "call_in", "params": map[string]any{"uniq": "u1", "duration": 60, "source": "tel", "phone": "+7999"}},
	})).json(t)
	if n := len(dig(t, r, "_embedded", "notes").([]any)); n != 3 {
		t.Fatalf("%d notes created", n)
	}
	m := e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(lead)+"/notes?filter[note_type][]=common&filter[note_type][]=call_in", nil)).json(t)
	notes := dig(t, m, "_embedded", "notes").([]any)
	if len(notes) != 2 || dig(t, notes[0], "params", "text") != "привет" || dig(t, notes[1], "params", "duration") != 60.0 {
		t.Errorf("notes: %v", notes)
	}
	e.must(204, e.do("GET", "/retail/api/v4/leads/"+itoa(lead)+"/notes?filter[note_type]=sms_in", nil))
	if n := len(e.fake.Notes(sub, "leads")); n != 3 {
		t.Errorf("Notes() = %d", n)
	}

	e.must(200, e.do("POST", "/retail/api/v4/tasks", []map[string]any{{"text": "Позвонить", "complete_till": 1751900000,
		"entity_id": lead, "entity_type": "leads", "task_type_id": 1, "responsible_user_id": 8348113}}))
	e.must(400, e.do("POST", "/retail/api/v4/tasks", []map[string]any{{"text": "no deadline"}}))
	m = e.must(200, e.do("GET", "/retail/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]="+itoa(lead)+"&filter[is_completed]=0", nil)).json(t)
	task := dig(t, m, "_embedded", "tasks", 0).(map[string]any)
	if task["text"] != "Позвонить" || num(t, task["responsible_user_id"]) != 8348113 {
		t.Errorf("task %v", task)
	}
	e.must(200, e.do("PATCH", "/retail/api/v4/tasks/"+itoa(num(t, task["id"])), map[string]any{"is_completed": true, "result": map[string]any{"text": "done"}}))
	if tk := e.fake.Tasks(sub)[0]; !tk.IsCompleted || tk.ResultText != "done" {
		t.Errorf("task after patch: %+v", tk)
	}
}

func TestCatalogs(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, e.do("POST", "/retail/api/v4/catalogs/12463/elements", []map[string]any{{"name": "Массаж лица",
		"custom_fields_values": []any{map[string]any{"field_id": skuField, "values": []any{map[string]any{"value": "ММЦ-И"}}}}}})).json(t)
	id := num(t, dig(t, r, "_embedded", "elements", 0, "id"))
	if dig(t, r, "_embedded", "elements", 0, "name") != "Массаж лица" {
		t.Errorf("create answer %v", r)
	}
	e.must(400, e.do("POST", "/retail/api/v4/catalogs/12463/elements", []map[string]any{{"name": "x",
		"custom_fields_values": []any{map[string]any{"field_id": 1, "values": []any{map[string]any{"value": "x"}}}}}}))
	e.must(404, e.do("POST", "/retail/api/v4/catalogs/1/elements", []map[string]any{{"name": "x"}}))

	m := e.must(200, e.do("GET", "/retail/api/v4/catalogs/12463/elements?query=ммц", nil)).json(t)
	if num(t, dig(t, m, "_embedded", "elements", 0, "id")) != id {
		t.Errorf("search by SKU: %v", m)
	}
	e.must(200, e.do("PATCH", "/retail/api/v4/catalogs/12463/elements/"+itoa(id), map[string]any{"name": "Массаж"}))
	e.must(200, e.do("GET", "/retail/api/v4/catalogs/12463", nil))

	v2 := e.must(200, e.do("GET", "/retail/api/v2/catalog_elements?catalog_id=12463&id="+itoa(id), nil)).json(t)
	item := dig(t, v2, "_embedded", "items", 0)
	if dig(t, item, "name") != "Массаж" || dig(t, item, "custom_fields", 0, "values", 0, "value") != "ММЦ-И" {
		t.Errorf("v2 item %v", item)
	}
	lead := e.fake.AddLead(sub, Lead{Name: "x"})
	e.fake.AddLink(sub, Link{EntityType: "leads", EntityID: lead, ToEntityType: "catalog_elements", ToEntityID: id})
	e.must(200, e.do("POST", "/retail/api/v2/catalog_elements", map[string]any{"delete": []int64{id}}))
	e.must(204, e.do("GET", "/retail/api/v4/catalogs/12463/elements/"+itoa(id), nil))
	if n := len(e.fake.LinksOf(sub, "leads", lead)); n != 0 {
		t.Errorf("links of a deleted element remain: %d", n)
	}
}

func TestMeta(t *testing.T) {
	e := newEnv(t, nil)
	m := e.must(200, e.do("GET", "/retail/api/v4/users?page=1&limit=250", nil)).json(t)
	users := dig(t, m, "_embedded", "users").([]any)
	if len(users) != 2 || dig(t, users[1], "rights", "is_active") != false || dig(t, users[0], "name") != "Администратор" {
		t.Errorf("users %v", users)
	}
	e.must(200, e.do("GET", "/retail/api/v4/users/2576764", nil))

	m = e.must(200, e.do("GET", "/retail/api/v4/leads/tags?query=mzpo", nil)).json(t)
	if num(t, dig(t, m, "_embedded", "tags", 0, "id")) != 246137 {
		t.Errorf("tags %v", m)
	}
	m = e.must(200, e.do("POST", "/retail/api/v4/leads/tags", []map[string]any{{"name": "Новый"}, {"name": "mzpo-s.ru"}})).json(t)
	if num(t, dig(t, m, "_embedded", "tags", 1, "id")) != 246137 || num(t, dig(t, m, "_embedded", "tags", 0, "id")) == 0 {
		t.Errorf("add tags %v", m)
	}

	m = e.must(200, e.do("GET", "/retail/api/v4/contacts/custom_fields", nil)).json(t)
	var phone map[string]any
	for _, f := range dig(t, m, "_embedded", "custom_fields").([]any) {
		if f.(map[string]any)["code"] == "PHONE" {
			phone = f.(map[string]any)
		}
	}
	if phone == nil || num(t, phone["id"]) != phoneID || phone["type"] != "multitext" || len(phone["enums"].([]any)) != 6 {
		t.Errorf("PHONE field %v", phone)
	}

	lead := e.fake.AddLead(sub, Lead{Name: "x", StatusID: 1})
	e.must(200, e.do("PATCH", "/retail/api/v4/leads/"+itoa(lead), map[string]any{"status_id": 2}))
	m = e.must(200, e.do("GET", "/retail/api/v4/events?filter[entity]=lead&filter[entity_id][]="+itoa(lead)+"&filter[type]=lead_status_changed", nil)).json(t)
	ev := dig(t, m, "_embedded", "events", 0)
	if dig(t, ev, "value_before", 0, "lead_status", "id") != 1.0 || dig(t, ev, "value_after", 0, "lead_status", "id") != 2.0 {
		t.Errorf("event %v", ev)
	}
	// The stage it entered: filter[value_after][leads_statuses] (204 for another stage).
	ps := itoa(int64(dig(t, ev, "value_after", 0, "lead_status", "pipeline_id").(float64)))
	byStage := "/retail/api/v4/events?filter[type]=lead_status_changed&filter[value_after][leads_statuses][0][pipeline_id]=" + ps +
		"&filter[value_after][leads_statuses][0][status_id]="
	m = e.must(200, e.do("GET", byStage+"2", nil)).json(t)
	if n := len(dig(t, m, "_embedded", "events").([]any)); n != 1 {
		t.Errorf("events into stage 2: %d", n)
	}
	e.must(204, e.do("GET", byStage+"3", nil))
}

func TestUnsorted(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, e.do("POST", "/retail/api/v4/leads/unsorted/forms", []map[string]any{{
		"source_name": "site", "source_uid": "form-1", "pipeline_id": 3198184,
		"metadata":  map[string]any{"form_id": "1", "form_name": "Заявка"},
		"_embedded": map[string]any{"leads": []any{map[string]any{"name": "Из формы"}}, "contacts": []any{map[string]any{"name": "Гость"}}},
	}})).json(t)
	uid := dig(t, r, "_embedded", "unsorted", 0, "uid").(string)
	lead := num(t, dig(t, r, "_embedded", "unsorted", 0, "_embedded", "leads", 0, "id"))
	if l, _ := e.fake.Lead(sub, lead); l.StatusID != UnsortedStatusID || len(l.ContactIDs) != 1 {
		t.Errorf("unsorted lead %+v", l)
	}
	e.must(200, e.do("POST", "/retail/api/v4/leads/unsorted/"+uid+"/accept", nil))
	if l, _ := e.fake.Lead(sub, lead); l.StatusID != 32532880 {
		t.Errorf("accepted lead status %d", l.StatusID)
	}
	e.must(404, e.do("POST", "/retail/api/v4/leads/unsorted/"+uid+"/accept", nil))
}
