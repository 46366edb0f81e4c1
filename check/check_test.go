package check

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/onec"
	"amoflow/onec/onecfake"
	"amoflow/store"
	"amoflow/store/storetest"
)

func TestCompare(t *testing.T) {
	live := Live{
		Statuses: map[int64]map[int64]bool{10: {100: true, 142: true}, 20: {200: true}},
		Fields:   map[string]map[int64]string{KindLeadField: {1: "text"}, KindContactField: {5: "text"}},
		Catalogs: map[int64]bool{7: true},
		Users:    map[int64]bool{30: true, 31: false},
		Tags:     map[int64]bool{40: true},
	}
	for _, tc := range []struct {
		name string
		e    Expect
		want string // "" means no problem
	}{
		{"pipeline present", Expect{Kind: KindPipeline, ID: 10}, ""},
		{"pipeline missing", Expect{Kind: KindPipeline, ID: 11}, "missing"},
		{"status in any pipeline", Expect{Kind: KindStatus, ID: 200}, ""},
		{"status missing", Expect{Kind: KindStatus, ID: 300}, "missing"},
		{"status in its pipeline", Expect{Kind: KindStatus, ID: 100, In: 10}, ""},
		{"status in another pipeline", Expect{Kind: KindStatus, ID: 200, In: 10}, "not a status of pipeline 10"},
		{"field present", Expect{Kind: KindLeadField, ID: 1}, ""},
		{"field missing", Expect{Kind: KindLeadField, ID: 2}, "missing"},
		{"field of another entity", Expect{Kind: KindContactField, ID: 1}, "missing"},
		{"field of the wrong type", Expect{Kind: KindContactField, ID: 5, Type: "multitext"}, "type text, want multitext"},
		{"catalog field without the catalog", Expect{Kind: KindCatalogField, ID: 9}, "missing"},
		{"catalog", Expect{Kind: KindCatalog, ID: 8}, "missing"},
		{"user active", Expect{Kind: KindUser, ID: 30}, ""},
		{"user inactive", Expect{Kind: KindUser, ID: 31}, "inactive"},
		{"user missing", Expect{Kind: KindUser, ID: 32}, "missing"},
		{"tag", Expect{Kind: KindTag, ID: 41}, "missing"},
	} {
		got := Compare("retail", []Expect{tc.e}, live)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("%s: %+v", tc.name, got)
		case tc.want != "" && (len(got) != 1 || got[0].Got != tc.want):
			t.Errorf("%s: %+v, want %q", tc.name, got, tc.want)
		}
	}
}

// live serves a fake amoCRM and a fake 1C made from the example config and
// returns clients of them.
func live(t *testing.T) (*config.Config, map[string]*amocrm.Client, *onec.Client) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.Accounts {
		a.ClientID, a.ClientSecret = "check-"+a.Name, "check-secret-"+a.Name
	}
	fake := httptest.NewServer(amofake.New(amofake.FromConfig(cfg, amofake.Options{})))
	t.Cleanup(fake.Close)
	db, err := store.Open(ctx, storetest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	clients := map[string]*amocrm.Client{}
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		a.BaseURL = fake.URL + "/" + a.Subdomain
		acct := amocrm.AccountFromConfig(a)
		if err := amocrm.ExchangeCode(ctx, db, acct, "check-code"); err != nil {
			t.Fatal(err)
		}
		clients[name] = amocrm.New(acct, amocrm.NewTokenSource(db, acct))
	}
	one := httptest.NewServer(onecfake.New(onecfake.Options{Username: "u", Password: "p"}))
	t.Cleanup(one.Close)
	cfg.OneC.BaseURL, cfg.OneC.Username, cfg.OneC.Password = one.URL+"/", "u", "p"
	return cfg, clients, onec.New(cfg.OneC)
}

func TestAgainstTheFake(t *testing.T) {
	cfg, clients, oc := live(t)
	ctx := context.Background()

	good := Run(ctx, cfg, clients, oc)
	if !good.OK() || good.Checked < 50 {
		t.Fatalf("the config the fake was made from: %+v", good)
	}

	// Now a config with wrong ids, as an operator's typo would make them.
	r := cfg.Accounts["retail"]
	r.Intake.PipelineID = 999001
	r.LeadFields["course"] = 999002
	// A contact field that exists but is text, where the code writes multitext.
	other := firstOf(r.ContactFields, "phone", "email")
	if other == 0 {
		t.Fatal("the example config has no contact field besides phone and email")
	}
	r.ContactFields["phone"] = other
	r.Users["typo"] = 999003
	r.Tags["typo"] = 999004
	r.CatalogID = 999005
	cfg.OneC.Password = "wrong"
	bad := Run(ctx, cfg, clients, onec.New(cfg.OneC))
	var out strings.Builder
	bad.Print(&out)
	t.Log("\n" + out.String())
	if bad.OK() {
		t.Fatal("a wrong config passes")
	}
	for _, want := range []string{
		"intake.pipeline_id", "999001", "lead_fields.course", "999002", "contact_fields.phone", "type text, want multitext",
		"users.typo", "999003", "tags.typo", "999004", "catalog_id", "999005", "1C at", "onec.password",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, p := range bad.Problems {
		if p.Account != "retail" {
			t.Errorf("a problem in an account left alone: %+v", p)
		}
	}
}

func firstOf(m map[string]int64, skip ...string) int64 {
	for k, v := range m {
		if !slices.Contains(skip, k) {
			return v
		}
	}
	return 0
}
