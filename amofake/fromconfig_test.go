package amofake

import (
	"slices"
	"testing"

	"amoflow/config"
)

func TestFromConfig(t *testing.T) {
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fc := FromConfig(cfg, Options{ClientID: "cid", ClientSecret: "sec"})
	if len(fc.Accounts) != 2 {
		t.Fatalf("%d accounts", len(fc.Accounts))
	}
	var retail AccountConfig
	for _, a := range fc.Accounts {
		if a.Subdomain == "mzpoeducationsale" {
			retail = a
		}
	}
	if retail.AccountID != 28395871 || retail.PhoneField != 264911 || retail.EmailField != 264913 ||
		!slices.Equal(retail.CatalogIDs, []int64{12463}) || retail.Tags["mzpo-s.ru"] != 246137 ||
		retail.DefaultPipelineID != 3198184 || retail.ClientID != "cid" {
		t.Errorf("retail: %+v", retail)
	}
	if !slices.Contains(retail.LeadFields, 639075) || !slices.Contains(retail.LeadFields, 643439) { // lead_fields and form_fields
		t.Errorf("lead fields %v", retail.LeadFields)
	}
	if len(retail.Users) == 0 || retail.Users[0].ID != 2576764 {
		t.Errorf("users %+v", retail.Users)
	}

	// The fake built from it accepts the configured fields only.
	fake := New(fc)
	e := &env{t: t, fake: fake}
	e.srv = newTestServer(t, fake)
	e.token = fake.IssueToken("mzpoeducationsale", 0).AccessToken
	e.must(200, e.do("POST", "/mzpoeducationsale/api/v4/leads", []map[string]any{{"name": "x",
		"custom_fields_values": []any{map[string]any{"field_id": 643439, "values": []any{map[string]any{"value": "clid"}}}}}}))
	e.must(400, e.do("POST", "/mzpoeducationsale/api/v4/leads", []map[string]any{{"name": "x",
		"custom_fields_values": []any{map[string]any{"field_id": 748383, "values": []any{map[string]any{"value": "corp field"}}}}}}))
}
