package starter

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/workflows"
)

// Contract tests of the old URLs: body in, status and body out, one test
// per old URL (README "Migrating from the old URLs").

const legacyKeyForTests = "lk-shared-secret"

// legacyEnv is onecEnv with every legacy group on; jobs answers the waits.
func legacyEnv(t *testing.T, jobs Jobs, edit ...func(*config.Config)) *env {
	t.Helper()
	cfg := testConfig()
	cfg.Inbound.OneCToken = testOneCToken
	cfg.OneC.RetailAccount, cfg.OneC.CorporateAccount = "retail", "corp"
	cfg.OneC.SenseiCallbackURL = "https://api.sensei.example/webhook"
	on := config.LegacyRoute{Enabled: true}
	keyed := config.LegacyRoute{Enabled: true, Key: legacyKeyForTests}
	cfg.Inbound.Legacy = config.Legacy{Wait: 300 * time.Millisecond, CorpLead: keyed, Managers: keyed,
		ChangeResp: on, SupportLeads: on, SiteForms: on, Hooks: on, OneC: on}
	cfg.Inbound.LegacyWebhooks = config.LegacyWebhooks{Enabled: true, AllowFrom: []string{"192.0.2.0/24"}}
	for _, f := range edit {
		f(cfg)
	}
	e := &env{pub: &fakePublisher{}, now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), log: &bytes.Buffer{}}
	e.h = New(cfg, Deps{Publisher: e.pub, Now: func() time.Time { return e.now }, Jobs: jobs,
		Logger: slog.New(slog.NewJSONHandler(e.log, nil))})
	return e
}

// send makes a request from 192.0.2.10 (inside the test allow-list).
func (e *env) send(method, target, contentType, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.10:40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

type wantAnswer struct {
	code int
	body string // exact, after trimming a trailing newline
}

func checkAnswer(t *testing.T, name string, rec *httptest.ResponseRecorder, want wantAnswer) {
	t.Helper()
	if got := strings.TrimRight(rec.Body.String(), "\n"); rec.Code != want.code || (want.body != "*" && got != want.body) {
		t.Errorf("%s: %d %q, want %d %q", name, rec.Code, got, want.code, want.body)
	}
}

var corpLeadForm = url.Values{"inn": {"7701234567"}, "company": {"ООО Ромашка"}, "name": {"Мария"}, "surname": {"Иванова"},
	"phone": {"+7 916 123-45-67"}, "email": {"maria@example.ru"}, "post": {"Бухгалтер"}, "manager_id": {"2375116"}}.Encode()

func TestLegacyCorpLeadPHP(t *testing.T) {
	done := fakeJobs{status: "completed", result: `{"lead_id":11,"contact_id":22,"company_id":33,"merged":false}`}
	path := "/amo/api/corpLead.php?key=" + url.QueryEscape(legacyKeyForTests)
	for _, tc := range []struct {
		name, method, target, ctype, body string
		jobs                              Jobs
		want                              wantAnswer
		stored                            bool
	}{
		{"wrong key", "POST", "/amo/api/corpLead.php?key=nope", typeURLEncoded, corpLeadForm, done, wantAnswer{403, `{"status":"access_denied"}`}, false},
		{"no key, GET", "GET", "/amo/api/corpLead.php", "", "", done, wantAnswer{403, `{"status":"access_denied"}`}, false},
		{"GET with key", "GET", path, "", "", done, wantAnswer{405, `{"status":"method_not_allowed"}`}, false},
		{"empty POST", "POST", path, "", "", done, wantAnswer{400, `{"status":"empty_request"}`}, false},
		{"empty form", "POST", path, typeURLEncoded, "", done, wantAnswer{400, `{"status":"empty_request"}`}, false},
		{"made", "POST", path, typeURLEncoded, corpLeadForm, done, wantAnswer{201, `{"company_id":33,"contact_id":22,"lead_id":11}`}, true},
		{"failed", "POST", path, typeURLEncoded, corpLeadForm, fakeJobs{status: "failed", err: "boom"}, wantAnswer{500, `{"status":"error"}`}, true},
		{"result not decodable", "POST", path, typeURLEncoded, corpLeadForm, fakeJobs{status: "completed", result: `"no ids"`}, wantAnswer{500, `{"status":"error"}`}, true},
		{"bad inn", "POST", path, typeURLEncoded, "inn=12&phone=89161234567", done, wantAnswer{400, "*"}, false},
	} {
		e := legacyEnv(t, tc.jobs)
		rec := e.send(tc.method, tc.target, tc.ctype, tc.body)
		checkAnswer(t, tc.name, rec, tc.want)
		msgs := e.pub.published()
		if (len(msgs) == 1) != tc.stored {
			t.Errorf("%s: %d messages stored, want stored=%v", tc.name, len(msgs), tc.stored)
		}
		if tc.stored {
			var job struct {
				Flow  string                  `json:"flow"`
				Input workflows.CorpLeadInput `json:"input"`
			}
			if err := json.Unmarshal(msgs[0].Body, &job); err != nil {
				t.Fatal(err)
			}
			if in := job.Input; in.Post != "Бухгалтер" || in.ManagerID != 2375116 || in.INN != "7701234567" || msgs[0].Account != "corp" {
				t.Errorf("%s: stored %s", tc.name, msgs[0].Body)
			}
		}
	}
	// Still running after inbound.legacy.wait: 202 with the job.
	e := legacyEnv(t, fakeJobs{status: "running"})
	if rec := e.send("POST", path, typeURLEncoded, corpLeadForm); rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"job_id":"1c-corp-lead-`) {
		t.Errorf("running: %d %s", rec.Code, rec.Body)
	}
	// Off unless enabled.
	e = legacyEnv(t, done, func(c *config.Config) { c.Inbound.Legacy.CorpLead.Enabled = false })
	if rec := e.send("POST", path, typeURLEncoded, corpLeadForm); rec.Code != http.StatusNotFound || len(e.pub.published()) != 0 {
		t.Errorf("disabled: %d %s", rec.Code, rec.Body)
	}
}

func TestLegacyGetManagersPHP(t *testing.T) {
	list := `[{"name":"Анна","id":2375116,"email":"anna@example.ru"}]`
	e := legacyEnv(t, fakeJobs{status: "completed", result: list})
	checkAnswer(t, "wrong key", e.send("GET", "/amo/api/getManagers.php?key=x", "", ""), wantAnswer{403, `{"status":"access_denied"}`})
	checkAnswer(t, "list", e.send("GET", "/amo/api/getManagers.php?key="+url.QueryEscape(legacyKeyForTests), "", ""), wantAnswer{200, list})
	if msgs := e.pub.published(); len(msgs) != 1 || msgs[0].Account != "corp" {
		t.Errorf("stored %d jobs", len(msgs))
	}
}

func TestLegacyChangeRespPHP(t *testing.T) {
	form := url.Values{"id": {"31234567"}, "uid": {"9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}, "resp": {"Петров"}}.Encode()
	for _, tc := range []struct {
		name   string
		jobs   Jobs
		target string
		body   string
		want   wantAnswer
	}{
		{"changed", fakeJobs{status: "completed", result: `{"status":"changed","notified":true}`}, "?sensei_hash=h1", form, wantAnswer{200, "changed"}},
		{"failed", fakeJobs{status: "failed", err: "1C refused"}, "", form, wantAnswer{200, "error"}},
		{"missing uid", fakeJobs{status: "completed"}, "", "id=1&resp=x", wantAnswer{400, "error"}},
	} {
		e := legacyEnv(t, tc.jobs)
		rec := e.send("POST", "/amo/api/v2/change_resp.php"+tc.target, typeURLEncoded, tc.body)
		checkAnswer(t, tc.name, rec, tc.want)
		msgs := e.pub.published()
		if tc.want.code == 400 {
			if len(msgs) != 0 {
				t.Errorf("%s: stored a bad request", tc.name)
			}
			continue
		}
		var job struct {
			Input workflows.ChangeResponsibleInput `json:"input"`
		}
		if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &job) != nil || job.Input.LeadID != 31234567 || job.Input.Resp != "Петров" {
			t.Fatalf("%s: stored %v", tc.name, msgs)
		}
		if wantCB := tc.target != ""; (job.Input.CallbackURL != "") != wantCB ||
			(wantCB && job.Input.CallbackURL != "https://api.sensei.example/webhook?hash=h1&result=changed") {
			t.Errorf("%s: callback %q", tc.name, job.Input.CallbackURL)
		}
	}
}

// A group without a key can be limited to its callers' addresses.
func TestLegacyAllowFrom(t *testing.T) {
	e := legacyEnv(t, fakeJobs{status: "completed", result: `{"lead_id":7}`}, func(c *config.Config) {
		c.Inbound.Legacy.ChangeResp.AllowFrom = []string{"198.51.100.7"}
		c.Inbound.Legacy.SupportLeads.AllowFrom = []string{"192.0.2.0/24"}
	})
	form := "id=1&uid=x&resp=y"
	if rec := e.send("POST", "/amo/api/v2/change_resp.php", typeURLEncoded, form); rec.Code != http.StatusForbidden || len(e.pub.published()) != 0 {
		t.Errorf("change_resp from outside allow_from: %d %s", rec.Code, rec.Body)
	}
	if rec := e.send("POST", "/amo/1%D1%81/support_leads.php", typeJSON, `{"group":"G"}`); rec.Code != http.StatusOK || len(e.pub.published()) != 1 {
		t.Errorf("support_leads from inside allow_from: %d %s", rec.Code, rec.Body)
	}
}

func TestLegacySupportLeadsPHP(t *testing.T) {
	group := `{"group":"МАС-1","date_start":"2025-03-10T10:00:00","teacher":"Петрова Анна","responsible_user":"Иванова Мария",
		"organization":"ООО «МИРК»","students":[{"amo_ids":[{"account_id":1,"entity_id":5}],"phone":"89161234567"}]}`
	cyr := "/amo/1%D1%81/support_leads.php"
	e := legacyEnv(t, fakeJobs{status: "completed", result: `{"lead_id":424242,"created":true,"linked":[5]}`})
	checkAnswer(t, "made", e.send("POST", cyr, typeJSON, group), wantAnswer{200, "424242"})
	if msgs := e.pub.published(); len(msgs) != 1 || msgs[0].Account != "retail" || !strings.Contains(string(msgs[0].Body), workflows.StudyGroupLeadName) {
		t.Errorf("stored %v", msgs)
	}
	checkAnswer(t, "invalid", e.send("POST", cyr, typeJSON, `{"students":[]}`), wantAnswer{400, "*"})
	e = legacyEnv(t, fakeJobs{status: "failed", err: "x"})
	checkAnswer(t, "failed", e.send("POST", cyr, typeJSON, group), wantAnswer{500, "error"})
	// The Latin "c" was never an old URL.
	checkAnswer(t, "latin c", e.send("POST", "/amo/1c/support_leads.php", typeJSON, group), wantAnswer{404, "*"})
}
