package amofake

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFakeHTTP(t *testing.T) {
	e := newEnv(t, nil)
	get := func(path string, v any) {
		t.Helper()
		r := e.must(200, e.doToken("GET", path, "", nil))
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	// Seed a contact and a lead linked to it, with a past creation time.
	r := e.must(200, e.doToken("POST", "/_fake/retail/contacts", "", map[string]any{"name": "Иван",
		"custom_fields_values": []any{map[string]any{"field_code": "PHONE", "values": []any{map[string]any{"value": "+79161234567"}}}}}))
	var created struct{ ID int64 }
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	cid := created.ID
	r = e.must(200, e.doToken("POST", "/_fake/retail/leads", "", map[string]any{"name": "Старая", "status_id": 142,
		"created_at": 1600000000, "contact_ids": []int64{cid}, "tags": []any{map[string]any{"name": "mzpo-s.ru"}}}))
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	e.must(400, e.doToken("POST", "/_fake/retail/leads", "", map[string]any{"contact_ids": []int64{1}}))
	e.must(404, e.doToken("GET", "/_fake/nope/leads", "", nil))

	var leads []Lead
	get("/_fake/retail/leads", &leads)
	if len(leads) != 1 || leads[0].ID != created.ID || leads[0].CreatedAt != 1600000000 || leads[0].ContactIDs[0] != cid ||
		leads[0].Tags[0].ID != 246137 {
		t.Errorf("leads %+v", leads)
	}
	var contacts []Contact
	get("/_fake/retail/contacts", &contacts)
	if len(contacts) != 1 || contacts[0].CustomFields[0].FieldID != phoneID {
		t.Errorf("contacts %+v", contacts)
	}

	// The seeded entities are what the API serves.
	e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(created.ID), nil))

	var calls struct {
		Calls  []Call
		Counts map[string]int
	}
	get("/_fake/retail/calls", &calls)
	if len(calls.Calls) != 1 || calls.Counts["GET /api/v4/leads/{id}"] != 1 {
		t.Errorf("calls %+v", calls)
	}
	e.must(204, e.doToken("POST", "/_fake/reset-calls", "", nil))
	get("/_fake/retail/calls", &calls)
	if len(calls.Calls) != 0 {
		t.Errorf("calls after reset %+v", calls)
	}

	// Faults, with a duration string for curl.
	e.must(200, e.doToken("POST", "/_fake/retail/faults", "", map[string]any{"force_429": 1, "latency": "1ms"}))
	if f := e.fake.CurrentFaults(sub); f.Force429 != 1 || f.Latency.Milliseconds() != 1 {
		t.Errorf("faults %+v", f)
	}
	e.must(429, e.do("GET", "/retail/api/v4/leads", nil))
	var fj map[string]any
	get("/_fake/retail/faults", &fj)
	if fj["force_429"] != 0.0 || fj["latency"] != "1ms" {
		t.Errorf("faults json %v", fj)
	}
	e.must(400, e.doToken("POST", "/_fake/retail/faults", "", map[string]any{"latency": "soon"}))

	// Tokens: issue one, expire it.
	var tok Token
	if err := json.Unmarshal(e.must(200, e.doToken("POST", "/_fake/retail/tokens?ttl=1h", "", nil)).body, &tok); err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 3600 {
		t.Errorf("token %+v", tok)
	}
	e.must(200, e.doToken("GET", "/retail/api/v4/leads", tok.AccessToken, nil))
	e.must(204, e.doToken("POST", "/_fake/retail/expire-tokens", "", nil))
	e.must(401, e.doToken("GET", "/retail/api/v4/leads", tok.AccessToken, nil))
	e.must(204, e.doToken("POST", "/_fake/retail/revoke-refresh-tokens", "", nil))

	var index struct {
		Accounts []struct {
			Subdomain string `json:"subdomain"`
			BaseURL   string `json:"base_url"`
		}
	}
	get("/_fake/", &index)
	if len(index.Accounts) != 2 || index.Accounts[0].BaseURL != e.srv.URL+"/retail" {
		t.Errorf("index %+v", index)
	}
	// /_fake/ requests do not show in the call log.
	for _, c := range e.fake.Calls(sub) {
		if strings.Contains(c.Path, "_fake") {
			t.Errorf("logged %v", c)
		}
	}
}
