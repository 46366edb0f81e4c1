package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/mq"
	"amoflow/workflows"
)

const testOneCToken = "1c-token-for-tests"

// fakeJobs answers every job as finished with the given result.
type fakeJobs struct {
	status string
	result string
	err    string
}

func (f fakeJobs) Status(ctx context.Context, id string, wait time.Duration) (JobStatus, error) {
	return JobStatus{JobID: id, Status: f.status, Result: json.RawMessage(f.result), Error: f.err}, nil
}

func onecEnv(t *testing.T, jobs Jobs) *env {
	t.Helper()
	cfg := testConfig()
	cfg.Inbound.OneCToken = testOneCToken
	cfg.Inbound.OneCLegacySecret = "legacy-secret"
	cfg.OneC.RetailAccount, cfg.OneC.CorporateAccount = "retail", "corp"
	cfg.OneC.SenseiCallbackURL = "https://api.sensei.example/webhook"
	e := &env{pub: &fakePublisher{}, now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), log: &bytes.Buffer{}}
	e.h = New(cfg, Deps{Publisher: e.pub, Now: func() time.Time { return e.now }, Jobs: jobs,
		Logger: slog.New(slog.NewJSONHandler(e.log, nil))})
	return e
}

func (e *env) do1C(method, path, token, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set(onecTokenHeader, token)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

const (
	clientJSON = `{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"Иванова Мария","phone":"+79161234567",
		"email":"maria@example.ru","pass_serie":4510,"dob":"15.03.1990 0:00:00","amo_ids":[{"account_id":28395871,"entity_id":5}]}`
	orderJSON = `{"lead_id_1C":"9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d","client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"product_id_1C":"ac84a29c-a7f3-11eb-8921-20040ffb909d","organization":"ООО «МИРК»","price":45000,"is_corporate":false}`
)

func TestOneCAuth(t *testing.T) {
	e := onecEnv(t, nil)
	for _, token := range []string{"", "wrong", testOneCToken + "x"} {
		if rec := e.do1C("POST", "/v1/1c/clients", token, typeJSON, clientJSON); rec.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d %s", token, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest("POST", "/v1/1c/clients", strings.NewReader(clientJSON))
	req.Header.Set("Content-Type", typeJSON)
	req.Header.Set("Authorization", "Bearer "+testOneCToken)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Errorf("bearer token: %d %s", rec.Code, rec.Body)
	}
	if n := len(e.pub.published()); n != 1 {
		t.Errorf("published %d messages, want the authorized one", n)
	}

	// Without a configured token nothing gets in.
	cfg := testConfig()
	h := New(cfg, Deps{Publisher: &fakePublisher{}})
	req = httptest.NewRequest("POST", "/v1/1c/clients", strings.NewReader(clientJSON))
	req.Header.Set("Content-Type", typeJSON)
	req.Header.Set(onecTokenHeader, "")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no token configured: %d", rec.Code)
	}
}

func TestOneCClientAccepted(t *testing.T) {
	e := onecEnv(t, nil)
	rec := e.do1C("POST", "/v1/1c/clients", testOneCToken, "application/json; charset=utf-8", clientJSON)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var a accepted
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	msgs := e.pub.published()
	if len(msgs) != 1 || msgs[0].Kind != mq.Kind1C || msgs[0].ID != a.JobID || !strings.HasPrefix(a.JobID, "1c-client-") ||
		!strings.HasPrefix(a.StatusURL, "https://in.example.test/v1/jobs/"+a.JobID+"/") {
		t.Fatalf("answer %+v, messages %+v", a, msgs)
	}
	flow, input, err := workflows.DecodeOneCJob(msgs[0].Body)
	in, _ := input.(*workflows.ClientFrom1CInput)
	if err != nil || flow != workflows.ClientFrom1CName || in == nil || in.UpdateOnly || in.Client.PassSerie != "4510" ||
		in.Client.DOB.String() != "15.03.1990 0:00:00" || in.Client.AmoIDs[0].EntityID != 5 {
		t.Fatalf("job = %s %+v %v", flow, input, err)
	}
	// The same object again in the window is the same job.
	again := e.do1C("POST", "/v1/1c/clients", testOneCToken, typeJSON, clientJSON)
	var b accepted
	if err := json.Unmarshal(again.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if b.JobID != a.JobID {
		t.Errorf("resend got job %s, first %s", b.JobID, a.JobID)
	}
	// PATCH only updates.
	e.do1C("PATCH", "/v1/1c/clients", testOneCToken, typeJSON, clientJSON)
	_, input, _ = workflows.DecodeOneCJob(e.pub.published()[2].Body)
	if !input.(*workflows.ClientFrom1CInput).UpdateOnly {
		t.Error("PATCH is not update-only")
	}
	if strings.Contains(e.log.String(), "9161234567") || strings.Contains(e.log.String(), "Иванова") {
		t.Errorf("the log holds personal data: %s", e.log)
	}
}

func TestOneCValidation(t *testing.T) {
	e := onecEnv(t, nil)
	for _, c := range []struct {
		method, path, body, field string
	}{
		{"POST", "/v1/1c/clients", `{"name":"x","phone":"+79161234567"}`, "client_id_1C"},
		{"POST", "/v1/1c/clients", `{"client_id_1C":"00000000-0000-0000-0000-000000000000","name":"x","phone":"+79161234567"}`, "client_id_1C"},
		{"POST", "/v1/1c/clients", `{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","phone":"+79161234567"}`, "name"},
		{"POST", "/v1/1c/clients", `{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"x"}`, "phone"},
		{"POST", "/v1/1c/clients", `{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"x","email":"a@b.ru","amo_ids":[{"account_id":1,"entity_id":0}]}`, "amo_ids"},
		{"POST", "/v1/1c/clients", `{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":["x"]}`, "name"},
		{"POST", "/v1/1c/companies", `{"company_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"ООО"}`, "inn"},
		{"PATCH", "/v1/1c/companies", `{"company_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"ООО","inn":"7701234567"}`, "phone"},
		{"POST", "/v1/1c/orders", strings.Replace(orderJSON, `"ООО «МИРК»"`, `"ООО Рога"`, 1), "organization"},
		{"POST", "/v1/1c/orders", strings.Replace(orderJSON, `"product_id_1C":"ac84a29c-a7f3-11eb-8921-20040ffb909d",`, "", 1), "product_id_1C"},
		{"POST", "/v1/1c/orders", strings.Replace(orderJSON, `"is_corporate":false`, `"is_corporate":true`, 1), "company_id_1C"},
		{"POST", "/v1/1c/courses", `{"product_id_1C":"df5f07f7-5821-11eb-86f0-82172a65f31e","name":"Курс"}`, "short_name"},
		{"POST", "/v1/1c/courses/delete", `{}`, "uid"},
		{"POST", "/v1/1c/study_groups", `{"students":[]}`, "group"},
		{"POST", "/v1/1c/corp_leads", `{"inn":"77","phone":"+79161234567"}`, "inn"},
		{"POST", "/v1/1c/corp_leads", `{"inn":"7701234567"}`, "phone"},
		{"POST", "/v1/1c/change_resp", `{"uid":"x","resp":"y"}`, "id"},
	} {
		rec := e.do1C(c.method, c.path, testOneCToken, typeJSON, c.body)
		var p problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusBadRequest || p.Field != c.field {
			t.Errorf("%s %s %s: %d field %q (%s), want 400 naming %q", c.method, c.path, c.body, rec.Code, p.Field, p.Detail, c.field)
		}
	}
	if rec := e.do1C("POST", "/v1/1c/clients", testOneCToken, "text/plain", "x"); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", rec.Code)
	}
	if n := len(e.pub.published()); n != 0 {
		t.Errorf("%d invalid requests were stored", n)
	}
}

func TestOneCOrderAccountAndChangeResp(t *testing.T) {
	e := onecEnv(t, nil)
	corporate := strings.Replace(orderJSON, `"is_corporate":false`, `"is_corporate":true,"company_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"`, 1)
	for body, want := range map[string]string{orderJSON: "retail", corporate: "corp"} {
		e.pub.msgs = nil
		if rec := e.do1C("POST", "/v1/1c/orders", testOneCToken, typeJSON, body); rec.Code != http.StatusAccepted {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if m := e.pub.published()[0]; m.Account != want {
			t.Errorf("order account = %q, want %q", m.Account, want)
		}
	}

	form := url.Values{"id": {"31234567"}, "uid": {"b5e5c7e2-1111"}, "resp": {"Алферова Лилия"}, "sensei_hash": {"h&1"}}
	if rec := e.do1C("POST", "/v1/1c/change_resp", testOneCToken, typeURLEncoded, form.Encode()); rec.Code != http.StatusAccepted {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	msgs := e.pub.published()
	_, input, _ := workflows.DecodeOneCJob(msgs[len(msgs)-1].Body)
	in := input.(*workflows.ChangeResponsibleInput)
	if in.Account != "retail" || in.LeadID != 31234567 || in.ContractUID != "b5e5c7e2-1111" || in.Resp != "Алферова Лилия" ||
		in.CallbackURL != "https://api.sensei.example/webhook?hash=h%261&result=changed" {
		t.Errorf("change_resp input = %+v", in)
	}
}

func TestOneCLegacyCourses(t *testing.T) {
	done := fakeJobs{status: "completed", result: `{"amo_ids":[{"account_id":19453687,"entity_id":1},{"account_id":28395871,"entity_id":2}]}`}
	e := onecEnv(t, done)
	course := url.Values{
		"secret_key": {"legacy-secret"}, "product_id_1C": {"df5f07f7-5821-11eb-86f0-82172a65f31e"},
		"name": {"Массаж"}, "short_name": {"ММЦ-И"}, "duration": {"72"},
		"ItemPrices[0][PriceType]": {"Основная цена"}, "ItemPrices[0][UID]": {"9e633e6d-3d2d-11eb-86e1-82172a65f31e"}, "ItemPrices[0][Price]": {"6000"},
		"ItemPrices[1][UID]": {"c0a6311b-8d63-11eb-891f-20040ffb909d"}, "ItemPrices[1][Price]": {"9000"},
		"amo_ids[0][account_id]": {"19453687"}, "amo_ids[0][entity_id]": {"1"},
	}
	for _, c := range []struct {
		query string
		form  url.Values
		code  int
		body  string
	}{
		{"update_course", url.Values{"secret_key": {"nope"}}, 401, "Access denied!"},
		{"update_course", url.Values{"secret_key": {"legacy-secret"}, "name": {"x"}}, 404, "Incorrect course uid"},
		{"update_course", url.Values{"secret_key": {"legacy-secret"}, "product_id_1C": {"df5f07f7-5821-11eb-86f0-82172a65f31e"}}, 200, "no name"},
		{"delete_course", url.Values{"secret_key": {"legacy-secret"}}, 404, "Incorrect course uid"},
		{"something_else", url.Values{"secret_key": {"legacy-secret"}}, 200, ""},
		{"update_course", course, 200, done.result},
	} {
		rec := e.do1C("POST", "/amo/api?"+c.query, "", typeURLEncoded, c.form.Encode())
		if rec.Code != c.code || rec.Body.String() != c.body {
			t.Errorf("?%s: %d %q, want %d %q", c.query, rec.Code, rec.Body, c.code, c.body)
		}
	}
	msgs := e.pub.published()
	if len(msgs) != 1 {
		t.Fatalf("published %d", len(msgs))
	}
	_, input, err := workflows.DecodeOneCJob(msgs[0].Body)
	in, _ := input.(*workflows.CourseFrom1CInput)
	if err != nil || in == nil || len(in.Course.ItemPrices) != 2 || in.Course.ItemPrices[1].Price != 9000 || in.Course.Duration != 72 ||
		in.Course.AmoIDs[0].AccountID != 19453687 || strings.Contains(string(msgs[0].Body), "legacy-secret") {
		t.Fatalf("stored %s (%v)", msgs[0].Body, err)
	}

	// delete_course of a course no account has.
	e2 := onecEnv(t, fakeJobs{status: "completed", result: `{"found":false,"deleted":{"corp":0,"retail":0}}`})
	rec := e2.do1C("POST", "/amo/api/v2/?delete_doubles", "", typeJSON, `{"secret_key":"legacy-secret","uid":"df5f07f7-5821-11eb-86f0-82172a65f31e"}`)
	if rec.Code != 404 || rec.Body.String() != "Course not found" {
		t.Errorf("delete_doubles not found: %d %q", rec.Code, rec.Body)
	}
	e3 := onecEnv(t, fakeJobs{status: "failed", err: "amoCRM said no"})
	rec = e3.do1C("POST", "/amo/api?delete_course", "", typeJSON, `{"secret_key":"legacy-secret","uid":"df5f07f7-5821-11eb-86f0-82172a65f31e"}`)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "amoCRM said no") {
		t.Errorf("failed job: %d %q", rec.Code, rec.Body)
	}
}

func TestOneCManagers(t *testing.T) {
	e := onecEnv(t, fakeJobs{status: "completed", result: `[{"name":"Алферова Лилия","id":2375131,"email":"a@x"}]`})
	rec := e.do1C("GET", "/v1/1c/managers", testOneCToken, "", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "2375131") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	e.do1C("GET", "/v1/1c/managers", testOneCToken, "", "")
	if msgs := e.pub.published(); len(msgs) != 2 || msgs[0].ID != msgs[1].ID {
		t.Errorf("two calls in a minute: jobs %v, want one job", msgs)
	}
	if rec := e.do1C("GET", "/v1/1c/managers", "", "", ""); rec.Code != 401 {
		t.Errorf("without token: %d", rec.Code)
	}
}

func TestPHPForm(t *testing.T) {
	got, _ := json.Marshal(phpForm(url.Values{"a": {"1", "2"}, "p[0][x]": {"y"}, "p[1][x]": {"z"}, "m[k]": {"v"}, "q[5]": {"w"}}))
	want := `{"a":"2","m":{"k":"v"},"p":[{"x":"y"},{"x":"z"}],"q":{"5":"w"}}`
	if string(got) != want {
		t.Errorf("phpForm = %s, want %s", got, want)
	}
}
