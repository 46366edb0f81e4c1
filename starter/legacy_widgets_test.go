package starter

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/workflows"
)

// Contract tests of the old PHP widget URLs (README "Migrating from the old
// URLs"): body in, status and body out.

const widgetKeyForTests = "widget-shared-secret"

// widgetEnv is legacyEnv with the widget groups on.
func widgetEnv(t *testing.T, jobs Jobs, edit ...func(*config.Config)) *env {
	t.Helper()
	return legacyEnv(t, jobs, append([]func(*config.Config){func(c *config.Config) {
		l := &c.Inbound.Legacy
		l.CompanyEGRUL = config.LegacyRoute{Enabled: true}
		l.Widget = config.LegacyRoute{Enabled: true, Key: widgetKeyForTests}
		l.Dashboards = config.LegacyRoute{Enabled: true}
		c.Widgets = config.Widgets{CompanyAccount: "corp", LeadsAccount: "retail", DashboardTTL: 2 * time.Hour,
			Dashboards: map[string]config.Dashboard{
				"konv_ret_all": {Title: "Конверсия", Account: "retail", Kind: config.DashboardConversion, Pipelines: []int64{3198184}, Good: 25},
				"avg_bill_ret": {Title: "Средний чек", Account: "retail", Kind: config.DashboardAverageBill, Pipelines: []int64{3198184}, Good: 11000},
			}}
		c.Accounts["retail"].LeadFields = map[string]int64{"remote_man": 777}
	}}, edit...)...)
}

// storedJob decodes a stored 1C-kind message.
func storedJob[T any](t *testing.T, body []byte) (string, T) {
	t.Helper()
	var job struct {
		Flow  string `json:"flow"`
		Input T      `json:"input"`
	}
	if err := json.Unmarshal(body, &job); err != nil {
		t.Fatalf("stored body %s: %v", body, err)
	}
	return job.Flow, job.Input
}

func TestLegacyCompanyEGRULPHP(t *testing.T) {
	const path = "/amo/webhooks/vidget.php"
	for _, tc := range []struct {
		name, ctype, body string
		want              wantAnswer
		company           int64
		inn               string
	}{
		{"form", typeURLEncoded, "id=5151&inn=7701234567", wantAnswer{200, "sucs"}, 5151, "7701234567"},
		{"JSON with strings", typeJSON, `{"id":"5151","inn":"0274062111"}`, wantAnswer{200, "sucs"}, 5151, "0274062111"},
		{"JSON with numbers", typeJSON, `{"id":5151,"inn":770123456789}`, wantAnswer{200, "sucs"}, 5151, "770123456789"},
		{"INN too short", typeURLEncoded, "id=5151&inn=77012", wantAnswer{400, "error"}, 0, ""},
		{"INN with letters", typeURLEncoded, "id=5151&inn=77012345ab", wantAnswer{400, "error"}, 0, ""},
		{"no id", typeURLEncoded, "inn=7701234567", wantAnswer{400, "error"}, 0, ""},
		{"id not a number", typeJSON, `{"id":"x","inn":"7701234567"}`, wantAnswer{400, "error"}, 0, ""},
	} {
		e := widgetEnv(t, fakeJobs{status: "completed"})
		checkAnswer(t, tc.name, e.send("POST", path, tc.ctype, tc.body), tc.want)
		msgs := e.pub.published()
		if tc.company == 0 {
			if len(msgs) != 0 {
				t.Errorf("%s: stored a bad request", tc.name)
			}
			continue
		}
		if len(msgs) != 1 || msgs[0].Account != "corp" || !strings.HasPrefix(msgs[0].ID, "1c-company-egrul-") {
			t.Fatalf("%s: stored %+v", tc.name, msgs)
		}
		flow, in := storedJob[workflows.CompanyEGRULInput](t, msgs[0].Body)
		if flow != workflows.CompanyFromEGRULName || in.CompanyID != tc.company || in.INN != tc.inn {
			t.Errorf("%s: stored %s %+v", tc.name, flow, in)
		}
	}
	// Off unless enabled; limited to allow_from when set.
	e := widgetEnv(t, fakeJobs{}, func(c *config.Config) { c.Inbound.Legacy.CompanyEGRUL.Enabled = false })
	if rec := e.send("POST", path, typeURLEncoded, "id=1&inn=7701234567"); rec.Code != http.StatusNotFound {
		t.Errorf("disabled: %d", rec.Code)
	}
	e = widgetEnv(t, fakeJobs{}, func(c *config.Config) { c.Inbound.Legacy.CompanyEGRUL.AllowFrom = []string{"198.51.100.0/24"} })
	if rec := e.send("POST", path, typeURLEncoded, "id=1&inn=7701234567"); rec.Code != http.StatusForbidden || len(e.pub.published()) != 0 {
		t.Errorf("outside allow_from: %d", rec.Code)
	}
}

func TestLegacyWidgetLeadPHP(t *testing.T) {
	key := url.QueryEscape(widgetKeyForTests)
	ok := "/amo/widget/lead.php?id=31234567&key=" + key + "&man=" + url.QueryEscape("Иванова")
	done := fakeJobs{status: "completed", result: `{"lead_id":31234567,"status":"set","sensei_started":true}`}
	for _, tc := range []struct {
		name, target string
		jobs         Jobs
		want         wantAnswer
		stored       bool
	}{
		{"done", ok, done, wantAnswer{200, "31234567"}, true},
		{"failed", ok, fakeJobs{status: "failed", err: "x"}, wantAnswer{500, "error"}, true},
		{"wrong key", "/amo/widget/lead.php?id=31234567&key=nope&man=x", done, wantAnswer{403, "no access"}, false},
		{"no id", "/amo/widget/lead.php?key=" + key + "&man=x", done, wantAnswer{403, "no access"}, false},
		{"id not a number", "/amo/widget/lead.php?id=abc&key=" + key + "&man=x", done, wantAnswer{400, "error"}, false},
		{"no man", "/amo/widget/lead.php?id=31234567&key=" + key, done, wantAnswer{400, "error"}, false},
	} {
		e := widgetEnv(t, tc.jobs)
		checkAnswer(t, tc.name, e.send("GET", tc.target, "", ""), tc.want)
		msgs := e.pub.published()
		if (len(msgs) == 1) != tc.stored {
			t.Fatalf("%s: %d stored", tc.name, len(msgs))
		}
		if tc.stored {
			flow, in := storedJob[workflows.RemoteManagerInput](t, msgs[0].Body)
			if flow != workflows.RemoteManagerName || in.LeadID != 31234567 || in.Manager != "Иванова" || msgs[0].Account != "retail" {
				t.Errorf("%s: stored %s %+v", tc.name, flow, in)
			}
		}
	}
	// Without the field configured nothing is stored.
	e := widgetEnv(t, done, func(c *config.Config) { c.Accounts["retail"].LeadFields = nil })
	if rec := e.send("GET", ok, "", ""); rec.Code != http.StatusServiceUnavailable || len(e.pub.published()) != 0 ||
		!strings.Contains(rec.Body.String(), "accounts.retail.lead_fields.remote_man") {
		t.Errorf("not configured: %d %s", rec.Code, rec.Body)
	}
}

func TestLegacyWidgetCORS(t *testing.T) {
	e := widgetEnv(t, fakeJobs{status: "completed", result: `[]`})
	target := "/amo/widget/getLeads.php?id=5&key=" + url.QueryEscape(widgetKeyForTests)
	for origin, allowed := range map[string]bool{
		"https://r.amocrm.ru": true, "https://c.kommo.com": true, "https://evil.example": false, "https://r.amocrm.ru.evil.example": false,
	} {
		rec := e.send("GET", target, "", "", "Origin", origin)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); (got == origin) != allowed || (!allowed && got != "") || rec.Code != 200 {
			t.Errorf("%s: %d Access-Control-Allow-Origin %q", origin, rec.Code, got)
		}
		pre := e.send("OPTIONS", target, "", "", "Origin", origin, "Access-Control-Request-Method", "GET")
		if got := pre.Header().Get("Access-Control-Allow-Methods"); pre.Code != http.StatusNoContent || (got == "GET") != allowed {
			t.Errorf("%s preflight: %d methods %q", origin, pre.Code, got)
		}
	}
}

func TestLegacyWidgetGetLeadsPHP(t *testing.T) {
	list := `[{"id":3,"name":"Массаж","course":"Классический массаж","price":15000,"status":101,"sname":"Новая","scolor":"#99ccff","pipe":"Розница","resp":"Анна","resp_id":7}]`
	e := widgetEnv(t, fakeJobs{status: "completed", result: list})
	target := "/amo/widget/getLeads.php?id=5&key=" + url.QueryEscape(widgetKeyForTests)
	rec := e.send("GET", target, "", "")
	checkAnswer(t, "list", rec, wantAnswer{200, list})
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	e.send("GET", target, "", "")
	e.now = e.now.Add(time.Minute)
	e.send("GET", target, "", "")
	msgs := e.pub.published()
	if len(msgs) != 3 || msgs[0].ID != msgs[1].ID || msgs[1].ID == msgs[2].ID || msgs[0].Account != "retail" {
		t.Fatalf("one job per contact and minute: %v", msgs)
	}
	flow, in := storedJob[workflows.ContactLeadsInput](t, msgs[0].Body)
	if flow != workflows.ContactLeadsName || in.ContactID != 5 {
		t.Errorf("stored %s %+v", flow, in)
	}
	checkAnswer(t, "wrong key", e.send("GET", "/amo/widget/getLeads.php?id=5&key=x", "", ""), wantAnswer{403, "no access"})
	e = widgetEnv(t, fakeJobs{status: "failed", err: "amoCRM paused"})
	checkAnswer(t, "failed", e.send("GET", target, "", ""), wantAnswer{500, "error"})
	e = widgetEnv(t, fakeJobs{status: "running"})
	if rec := e.send("GET", target, "", ""); rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"job_id":"1c-contact-leads-5-`) {
		t.Errorf("running: %d %s", rec.Code, rec.Body)
	}
}

func TestLegacyDashboardsPHP(t *testing.T) {
	result := `{"name":"konv_ret_all","title":"Конверсия","kind":"conversion","from":"2025-02-01","to":"2025-02-28","good":25,
		"rows":[{"user_id":7,"name":"Анна","won":1,"counted":3,"sum":10000,"value":33.3}],
		"total":{"name":"Всего","won":3,"counted":5,"sum":35000,"value":60},"leads":6}`
	e := widgetEnv(t, fakeJobs{status: "completed", result: result})
	page := "/amo/vidgets/konv_ret_all.php?date_from=2025-02-01&date_to=2025-02-28"
	rec := e.send("GET", page, "", "")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(body, `<div class="figure green">60.0%</div><div>3/5</div>`) ||
		!strings.Contains(body, `<td>Анна</td><td class="green">33.3%</td><td>1/3</td>`) || strings.Contains(body, "<script") {
		t.Errorf("page: %d %s", rec.Code, body)
	}
	rec = e.send("GET", page+"&format=json", "", "")
	var got workflows.DashboardResult
	if json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Total.Value != 60 || len(got.Rows) != 1 {
		t.Errorf("json: %s", rec.Body)
	}
	msgs := e.pub.published()
	if len(msgs) != 2 || msgs[0].ID != msgs[1].ID {
		t.Fatalf("the same range within the TTL must be the same job: %v", msgs)
	}
	flow, in := storedJob[workflows.DashboardInput](t, msgs[0].Body)
	if flow != workflows.DashboardName || in != (workflows.DashboardInput{Name: "konv_ret_all", From: "2025-02-01", To: "2025-02-28"}) {
		t.Errorf("stored %s %+v", flow, in)
	}
	e.send("GET", page+"&refresh=1", "", "")
	e.now = e.now.Add(2 * time.Hour)
	e.send("GET", page, "", "")
	if msgs = e.pub.published(); len(msgs) != 4 || msgs[2].ID == msgs[0].ID || msgs[3].ID == msgs[0].ID || msgs[3].ID == msgs[2].ID {
		t.Errorf("refresh and a new period must be new jobs: %v", msgs)
	}

	// Dates: "false" and absent mean this month (Moscow); anything that is
	// not a date is refused before it reaches a job id.
	e = widgetEnv(t, fakeJobs{status: "completed", result: result})
	e.now = time.Date(2025, 3, 31, 22, 30, 0, 0, time.UTC) // already 1 April in Moscow
	e.send("POST", "/amo/vidgets/avg_bill_ret.php", typeURLEncoded, "date_from=false&date_to=false")
	if msgs := e.pub.published(); len(msgs) != 1 {
		t.Fatalf("defaults: %v", msgs)
	} else if _, in := storedJob[workflows.DashboardInput](t, msgs[0].Body); in.From != "2025-04-01" || in.To != "2025-04-01" || in.Name != "avg_bill_ret" {
		t.Errorf("defaults: %+v", in)
	}
	for _, bad := range []string{"date_from=../../etc/passwd", "date_from=2025-03-02&date_to=2025-03-01", "date_from=2023-01-01&date_to=2025-01-01", "date_to=01.03.2025"} {
		checkAnswer(t, bad, e.send("GET", "/amo/vidgets/konv_ret_all.php?"+bad, "", ""), wantAnswer{400, "*"})
	}
	checkAnswer(t, "unknown", e.send("GET", "/amo/vidgets/no_such.php", "", ""), wantAnswer{404, "*"})
	checkAnswer(t, "not configured here", e.send("GET", "/amo/vidgets/success_leads.php", "", ""), wantAnswer{404, "*"})
	checkAnswer(t, "the menu of an unknown one", e.send("GET", "/amo/vidgets/no_such_menu.php", "", ""), wantAnswer{404, "*"})
	checkAnswer(t, "not a name", e.send("GET", "/amo/vidgets/konv_ret_all%00.php", "", ""), wantAnswer{404, "*"})
	if n := len(e.pub.published()); n != 1 {
		t.Errorf("refused requests stored %d jobs", n-1)
	}
	e = widgetEnv(t, fakeJobs{status: "failed", err: "x"})
	checkAnswer(t, "failed", e.send("GET", page, "", ""), wantAnswer{500, "error"})
}

func TestLegacyLeadsPHP(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       wantAnswer
		account    string
	}{
		{"retail", "name=Мария&phone=89161234567&form_name_site=Заявка", wantAnswer{200, "ok"}, "retail"},
		{"corp", "name=Мария&phone=89161234567&amo=corp", wantAnswer{200, "ok"}, "corp"},
		{"no phone or email", "name=Мария", wantAnswer{400, "*"}, ""},
	} {
		e := legacyEnv(t, nil)
		rec := e.send("POST", "/amo/leads.php", typeURLEncoded, tc.body)
		checkAnswer(t, tc.name, rec, tc.want)
		msgs := e.pub.published()
		var in workflows.FormInput
		if tc.account == "" {
			if len(msgs) != 0 {
				t.Errorf("%s: stored a refused form", tc.name)
			}
			continue
		}
		if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &in) != nil || in.Account != tc.account || rec.Header().Get("Location") != "" {
			t.Errorf("%s: stored %v", tc.name, msgs)
		}
	}
	e := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.SiteForms.Enabled = false })
	checkAnswer(t, "disabled", e.send("POST", "/amo/leads.php", typeURLEncoded, "name=x&phone=89161234567"), wantAnswer{404, "*"})
}

// The old URLs amoflow replaced or does not serve answer 404 and store
// nothing, even with every group on (README's migration table).
func TestLegacyURLsNotServed(t *testing.T) {
	e := widgetEnv(t, fakeJobs{status: "completed"})
	for _, target := range []string{"/amo/oauth/index.php", "/amo/oauth/autorization.php", "/amo/config/getToken.php", "/amo/_index.php",
		"/integration/1cv2/lead", "/", "/api/callsorter", "/api/leadtasks/1", "/api/leadtasks", "/api/testing", "/log/x", "/uber/x", "/reports/x", "/gsheets/x"} {
		for _, method := range []string{"GET", "POST"} {
			if rec := e.send(method, target, typeURLEncoded, "id=1"); rec.Code != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", method, target, rec.Code)
			}
		}
	}
	if n := len(e.pub.published()); n != 0 {
		t.Errorf("%d jobs stored", n)
	}
}

// The dashboards that were not ported before: the date-picker pages
// ({name}_menu.php share the dashboard's jobs), the paid-leads page
// (success.php, success_leads.php) and the corporate managers' active
// leads (active_leads_corp.php).
func TestLegacyDashboardMenusPaidAndActivePHP(t *testing.T) {
	dashboards := func(c *config.Config) {
		c.Widgets.Dashboards["success"] = config.Dashboard{Title: "Оплаты", Account: "retail", Kind: config.DashboardPaid, Pipelines: []int64{3198184},
			Won: []int64{32533204, 32533201, 142}}
		c.Widgets.Dashboards["active_leads_corp"] = config.Dashboard{Title: "Активные сделки", Account: "corp", Kind: config.DashboardActive,
			Users: []int64{2375116}}
	}
	conv := `{"name":"konv_ret_all","title":"Конверсия","kind":"conversion","from":"2025-02-01","to":"2025-02-28","good":25,
		"total":{"name":"Всего","won":3,"counted":5,"sum":35000,"value":60},"leads":6}`
	e := widgetEnv(t, fakeJobs{status: "completed", result: conv}, dashboards)
	rec := e.send("GET", "/amo/vidgets/konv_ret_all_menu.php?date_from=2025-02-01&date_to=2025-02-28&refresh=on", "", "")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `<form method="get" class="menu">`) || !strings.Contains(body, `name="date_from" required value="2025-02-01"`) ||
		!strings.Contains(body, `name="refresh"`) || !strings.Contains(body, `60.0%`) || strings.Contains(body, "<script") {
		t.Errorf("menu page: %d %s", rec.Code, body)
	}
	e.send("GET", "/amo/vidgets/konv_ret_all_menu.php?date_from=2025-02-01&date_to=2025-02-28", "", "")
	e.send("GET", "/amo/vidgets/konv_ret_all.php?date_from=2025-02-01&date_to=2025-02-28", "", "")
	msgs := e.pub.published()
	if len(msgs) != 3 || msgs[1].ID != msgs[2].ID || msgs[0].ID == msgs[1].ID || !strings.Contains(msgs[0].ID, "-r") {
		t.Fatalf("the menu shares the dashboard's jobs; its checkbox refreshes: %v", msgs)
	}
	if _, in := storedJob[workflows.DashboardInput](t, msgs[1].Body); in.Name != "konv_ret_all" {
		t.Errorf("menu stored %+v", in)
	}
	if rec := e.send("GET", "/amo/vidgets/konv_ret_all.php", "", ""); strings.Contains(rec.Body.String(), "<form") {
		t.Errorf("a form on the plain page")
	}

	paid := `{"name":"success","title":"Оплаты","kind":"paid","from":"2025-03-01","to":"2025-03-31",
		"rows":[{"name":"Период","won":2,"counted":2,"sum":15000,"value":15000},{"name":"Внешние","won":1,"counted":1,"sum":7000,"value":7000},
		{"name":"2025-02","won":1,"counted":1,"sum":7000,"value":7000}],
		"total":{"name":"Общий","won":3,"counted":3,"sum":22000,"value":22000},"leads":3}`
	e = widgetEnv(t, fakeJobs{status: "completed", result: paid}, dashboards)
	rec = e.send("GET", "/amo/vidgets/success_menu.php?date_from=2025-03-01&date_to=2025-03-31", "", "")
	body = rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `22000 руб</div><div>3 сделок</div>`) ||
		!strings.Contains(body, `<td>Период</td><td class="green">15000 руб</td><td>2 сделок</td>`) ||
		!strings.Contains(body, `<td>2025-02</td>`) || !strings.Contains(body, "<form") {
		t.Errorf("success_menu page: %d %s", rec.Code, body)
	}
	if _, in := storedJob[workflows.DashboardInput](t, e.pub.published()[0].Body); in.Name != "success" {
		t.Errorf("stored %+v", in)
	}

	active := `{"name":"active_leads_corp","title":"Активные сделки","kind":"active","from":"2025-03-01","to":"2025-03-31",
		"rows":[{"user_id":2375116,"name":"Киреева","won":0,"counted":12,"open":9,"sum":0,"value":9}],
		"total":{"name":"Всего","won":0,"counted":12,"open":9,"sum":0,"value":9},"leads":12}`
	e = widgetEnv(t, fakeJobs{status: "completed", result: active}, dashboards)
	rec = e.send("GET", "/amo/vidgets/active_leads_corp.php?date_from=2025-03-01&date_to=2025-03-31", "", "")
	if body = rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `<td>Киреева</td><td class="green">9</td><td>в работе, из 12 обновлённых</td>`) {
		t.Errorf("active_leads_corp page: %d %s", rec.Code, body)
	}
	if msgs := e.pub.published(); len(msgs) != 1 || msgs[0].Account != "corp" {
		t.Errorf("stored %v", msgs)
	}
}
