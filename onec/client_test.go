package onec_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/onec"
	"amoflow/onec/onecfake"
)

func newFake(t *testing.T, cfg config.OneC) (*onec.Client, *onecfake.Server) {
	t.Helper()
	fake := onecfake.New(onecfake.Options{Username: "integration", Password: "s3cret"})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/base" // no trailing slash: the client adds it
	if cfg.Username == "" {
		cfg.Username, cfg.Password = "integration", "s3cret"
	}
	return onec.New(cfg), fake
}

// body decodes a recorded request body into a map for field assertions.
func body(t *testing.T, r onecfake.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("recorded body %s: %v", r.Body, err)
	}
	return m
}

func TestEditStudentCreatesThenUpdates(t *testing.T) {
	c, fake := newFake(t, config.OneC{})
	ctx := context.Background()
	st := onec.Student{
		AmoIDs:       []onec.AmoID{{AccountID: 28395871, EntityID: 41234567}},
		Name:         "Иванова Мария Петровна",
		Email:        "maria@example.ru",
		Phone:        "+79161234567",
		DOB:          onec.Date(time.Date(1990, 3, 15, 0, 0, 0, 0, onec.Zone)),
		PassSerie:    "0412",
		PassNumber:   "123456",
		PassIssuedAt: onec.Unix(time.Date(2010, 5, 20, 0, 0, 0, 0, onec.Zone).Unix()),
	}
	id, err := c.EditStudent(ctx, st)
	if err != nil || !id.Valid() {
		t.Fatalf("create = %q, %v", id, err)
	}
	reqs := fake.RequestsTo("POST", "EditStudent")
	if len(reqs) != 1 {
		t.Fatalf("requests = %+v", fake.Requests())
	}
	r := reqs[0]
	if r.ContentType != "application/json; charset=utf-8" || r.Accept != "application/json" || r.User != "integration" {
		t.Errorf("headers: content-type %q accept %q user %q", r.ContentType, r.Accept, r.User)
	}
	m := body(t, r)
	if v, ok := m["client_id_1C"]; !ok || v != nil {
		t.Errorf("client_id_1C = %v (present %v), want null to create", v, ok)
	}
	for key, want := range map[string]any{
		"name": "Иванова Мария Петровна", "phone": "+79161234567", "email": "maria@example.ru",
		"dob": "15.03.1990 0:00:00", "pass_issued_at": "20.05.2010 0:00:00",
		"pass_serie": "0412", "pass_number": "123456", // strings: leading zeros survive
	} {
		if m[key] != want {
			t.Errorf("%s = %#v, want %#v", key, m[key], want)
		}
	}
	for _, key := range []string{"applications", "diplomas", "groups", "amo_ids"} {
		if _, ok := m[key].([]any); !ok {
			t.Errorf("%s = %#v, want an array", key, m[key])
		}
	}
	ids := m["amo_ids"].([]any)
	if first, _ := ids[0].(map[string]any); first["account_id"] != 28395871.0 || first["entity_id"] != 41234567.0 {
		t.Errorf("amo_ids = %v", ids)
	}

	st.ClientID, st.Name = id, "Иванова Мария"
	again, err := c.EditStudent(ctx, st)
	if err != nil || again != id {
		t.Fatalf("update = %q, %v; want %q", again, err, id)
	}
	got, err := c.GetStudent(ctx, id)
	if err != nil || got.Name != "Иванова Мария" || got.ClientID != id || got.PassSerie != "0412" || got.DOB.String() != "15.03.1990 0:00:00" {
		t.Fatalf("GetStudent = %+v, %v", got, err)
	}
	if n := len(fake.Objects("EditStudent")); n != 1 {
		t.Errorf("1C holds %d clients, want 1", n)
	}
	if _, err := c.GetStudent(ctx, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"); !errors.Is(err, onec.ErrNotFound) || onec.IsRetryable(err) {
		t.Errorf("unknown client: %v (retryable %v), want a permanent not found", err, onec.IsRetryable(err))
	}
}

func TestPartnerKeyCase(t *testing.T) {
	p := onec.Partner{Name: "ООО Ромашка", INN: "7701234567", OGRN: "1027700132195", KPP: "770101001", BIK: "044525225",
		AmoIDs: []onec.AmoID{{AccountID: 19453687, EntityID: 70011223}}}
	for _, tc := range []struct {
		keys      string
		want, not []string
	}{
		{"", []string{"inn", "ogrn", "kpp", "bik"}, []string{"INN", "OGRN", "KPP", "BIK"}},
		{"upper", []string{"INN", "OGRN", "KPP", "BIK"}, []string{"inn", "ogrn", "kpp", "bik"}},
	} {
		c, fake := newFake(t, config.OneC{PartnerKeys: tc.keys})
		id, err := c.EditPartner(context.Background(), p)
		if err != nil || !id.Valid() {
			t.Fatalf("%s: %q %v", tc.keys, id, err)
		}
		m := body(t, fake.RequestsTo("POST", "EditPartner")[0])
		for _, k := range tc.want {
			if _, ok := m[k]; !ok {
				t.Errorf("keys %q: %s missing in %v", tc.keys, k, m)
			}
		}
		for _, k := range tc.not {
			if _, ok := m[k]; ok {
				t.Errorf("keys %q: %s present in %v", tc.keys, k, m)
			}
		}
		// Either spelling reads back.
		got, err := c.GetPartner(context.Background(), id)
		if err != nil || got.INN != "7701234567" || got.BIK != "044525225" {
			t.Errorf("keys %q: GetPartner = %+v, %v", tc.keys, got, err)
		}
	}
}

func TestApplicationBody(t *testing.T) {
	c, fake := newFake(t, config.OneC{})
	app := onec.Application{
		AmoIDs:    []onec.AmoID{{AccountID: 28395871, EntityID: 31234567}},
		ProductID: "ac84a29c-a7f3-11eb-8921-20040ffb909d", ClientID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		CompanyID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Organization: "НОЧУ ДПО МЦПО", Price: 45000,
		LeadStatus: onec.LeadStatusInWork, MarketingChannel: "Заявка с формы", MarketingSource: "yandex_direct",
		ResponsibleUser: "Алферова Лилия", Author: "Алферова Лилия",
	}
	if _, err := c.EditApplication(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	m := body(t, fake.RequestsTo("POST", "EditApplication")[0])
	if v, ok := m["lead_id_1C"]; !ok || v != nil {
		t.Errorf("lead_id_1C = %v, want null", v)
	}
	if m["price"] != 45000.0 || m["is_corporate"] != false || m["lead_status"] != "ВРаботе" || m["company_id_1C"] != m["client_id_1C"] {
		t.Errorf("body = %v", m)
	}
	if _, ok := m["payments"]; ok {
		t.Errorf("payments sent on create: %v", m["payments"])
	}
}

func TestChangeResponsibleBody(t *testing.T) {
	c, fake := newFake(t, config.OneC{})
	if err := c.ChangeResponsible(context.Background(), "b5e5c7e2-1111-2222-3333-444455556666", "Алферова Лилия"); err != nil {
		t.Fatal(err)
	}
	got := string(fake.RequestsTo("POST", "lk_editdata")[0].Body)
	want := `{"data":{"contract":{"action":"changeotv","contract_uid":"b5e5c7e2-1111-2222-3333-444455556666","otv":"Алферова Лилия"}}}`
	if got != want {
		t.Errorf("lk_editdata body\n got %s\nwant %s", got, want)
	}
}

func TestErrorClasses(t *testing.T) {
	ctx := context.Background()
	st := onec.Student{Name: "Иванова Мария", Phone: "+79161234567"}
	for _, tc := range []struct {
		fault     onecfake.FaultKind
		kind      onec.Kind
		retryable bool
	}{
		{onecfake.Fail500, onec.KindServer, true},
		{onecfake.Unauthorized, onec.KindRejected, false},
		{onecfake.Timeout, onec.KindTransport, true},
		{onecfake.EmptyOK, onec.KindMalformed, false},
		{onecfake.ZeroGUID, onec.KindMissingID, false},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			c, fake := newFake(t, config.OneC{Timeout: 200 * time.Millisecond})
			fake.SetFault(onecfake.Fault{Kind: tc.fault, Method: "EditStudent", Times: 1})
			_, err := c.EditStudent(ctx, st)
			var e *onec.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || onec.IsRetryable(err) != tc.retryable {
				t.Fatalf("err = %v (kind %v), want kind %v retryable %v", err, e, tc.kind, tc.retryable)
			}
			if msg := err.Error(); strings.Contains(msg, "79161234567") || strings.Contains(msg, "Иванова") {
				t.Errorf("error leaks personal data: %s", msg)
			}
			// The fault was used once: the next call goes through.
			if id, err := c.EditStudent(ctx, st); err != nil || !id.Valid() {
				t.Errorf("after the fault: %q %v", id, err)
			}
		})
	}
}

func TestWrongCredentials(t *testing.T) {
	c, _ := newFake(t, config.OneC{Username: "integration", Password: "wrong"})
	_, err := c.EditStudent(context.Background(), onec.Student{Name: "x"})
	var e *onec.Error
	if !errors.As(err, &e) || e.Status != 401 || onec.IsRetryable(err) || !strings.Contains(err.Error(), "onec.password") {
		t.Fatalf("err = %v", err)
	}
}

func TestTransportErrorRetryable(t *testing.T) {
	c := onec.New(config.OneC{BaseURL: "http://127.0.0.1:1/", Timeout: time.Second})
	_, err := c.EditCourse(context.Background(), onec.Course{Name: "x"})
	if !onec.IsRetryable(err) {
		t.Fatalf("connection refused: %v, want retryable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.EditCourse(ctx, onec.Course{Name: "x"}); onec.IsRetryable(err) {
		t.Errorf("a cancelled call is retryable: %v", err)
	}
}
