package starter

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/workflows"
)

// Contract tests of the old C# host's own API (README "Migrating from the
// old URLs"): GET /, /api/callsorter, /api/leadtasks.

// apiEnv is legacyEnv with the C# API groups on; the call sorter answers
// the two telephony addresses and, in tests, nothing else.
func apiEnv(t *testing.T, jobs Jobs, edit ...func(*config.Config)) *env {
	t.Helper()
	return legacyEnv(t, jobs, append([]func(*config.Config){func(c *config.Config) {
		l := &c.Inbound.Legacy
		l.Home, l.LeadTasks = config.LegacyRoute{Enabled: true}, config.LegacyRoute{Enabled: true}
		l.CallSorter = config.LegacyRoute{Enabled: true, AllowFrom: []string{"212.193.100.155", "46.48.56.153"}}
		c.Widgets.LeadTasks = config.LeadTasks{Account: "retail", Variants: []string{"Отправлено КП", "Взято в работу", "Получена оплата"}}
	}}, edit...)...)
}

// from sends a request as the client remote (host:port), with header pairs.
func (e *env) from(remote, method, target, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestLegacyHomeCSharp(t *testing.T) {
	e := apiEnv(t, nil)
	rec := e.send("GET", "/", "", "")
	checkAnswer(t, "GET /", rec, wantAnswer{200, "mzpo2amo"})
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type %q", ct)
	}
	checkAnswer(t, "HEAD /", e.send("HEAD", "/", "", ""), wantAnswer{200, "*"})
	checkAnswer(t, "POST /", e.send("POST", "/", typeURLEncoded, "a=1"), wantAnswer{405, "*"})
	// It shadows no other route: the others answer as their own.
	checkAnswer(t, "healthz", e.send("GET", "/healthz", "", ""), wantAnswer{200, "*"})
	checkAnswer(t, "unknown", e.send("GET", "/nothing", "", ""), wantAnswer{404, "*"})
	checkAnswer(t, "forms", e.send("GET", "/v1/forms", "", ""), wantAnswer{405, "*"})
	e = apiEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.Home.Enabled = false })
	checkAnswer(t, "disabled", e.send("GET", "/", "", ""), wantAnswer{404, "*"})
}

func TestLegacyCallSorterCSharp(t *testing.T) {
	e := apiEnv(t, nil)
	// The two addresses share one alternation, which starts at 0.
	want := []string{`{"choice":0}`, `{"choice":1}`, `{"choice":0}`, `{"choice":1}`}
	for i, remote := range []string{"212.193.100.155:5060", "46.48.56.153:5060", "212.193.100.155:5061", "[::ffff:46.48.56.153]:5060"} {
		rec := e.from(remote, "GET", "/api/callsorter", "")
		checkAnswer(t, "call "+remote, rec, wantAnswer{200, want[i]})
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("content type %q", ct)
		}
	}
	// Another address is 401, as before, and takes no turn.
	checkAnswer(t, "stranger", e.from("192.0.2.10:4000", "GET", "/api/callsorter", ""), wantAnswer{401, "*"})
	checkAnswer(t, "stranger naming a telephony address", e.from("192.0.2.10:4000", "GET", "/api/callsorter", "",
		"X-Forwarded-For", "212.193.100.155"), wantAnswer{401, "*"})
	checkAnswer(t, "after the stranger", e.from("212.193.100.155:5060", "GET", "/api/callsorter", ""), wantAnswer{200, `{"choice":0}`})
	checkAnswer(t, "POST", e.from("212.193.100.155:5060", "POST", "/api/callsorter", ""), wantAnswer{405, "*"})
	if n := len(e.pub.published()); n != 0 {
		t.Errorf("the call sorter stored %d jobs", n)
	}

	// Behind a trusted proxy the forwarded client is checked, never the proxy.
	e = apiEnv(t, nil, func(c *config.Config) { c.Inbound.TrustedProxies = []string{"10.0.0.0/8"} })
	checkAnswer(t, "via proxy", e.from("10.1.2.3:80", "GET", "/api/callsorter", "", "X-Forwarded-For", "46.48.56.153"),
		wantAnswer{200, `{"choice":0}`})
	checkAnswer(t, "the proxy itself", e.from("10.1.2.3:80", "GET", "/api/callsorter", ""), wantAnswer{401, "*"})
	checkAnswer(t, "spoofed left hop", e.from("10.1.2.3:80", "GET", "/api/callsorter", "", "X-Forwarded-For", "212.193.100.155, 192.0.2.7"),
		wantAnswer{401, "*"})

	e = apiEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.CallSorter.Enabled = false })
	checkAnswer(t, "disabled", e.from("212.193.100.155:5060", "GET", "/api/callsorter", ""), wantAnswer{404, "*"})
}

func TestLegacyLeadTasksCSharp(t *testing.T) {
	list := `[{"task_id":12433799,"variants":["Отправлено КП","Взято в работу","Получена оплата"]}]`
	e := apiEnv(t, fakeJobs{status: "completed", result: list})
	rec := e.send("GET", "/api/leadtasks/28395871", "", "")
	checkAnswer(t, "list", rec, wantAnswer{200, list})
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	e.send("GET", "/api/leadtasks/28395871", "", "")
	e.now = e.now.Add(time.Minute)
	e.send("GET", "/api/leadtasks/28395871", "", "")
	msgs := e.pub.published()
	if len(msgs) != 3 || msgs[0].ID != msgs[1].ID || msgs[1].ID == msgs[2].ID || msgs[0].Account != "retail" ||
		!strings.HasPrefix(msgs[0].ID, "1c-lead-tasks-28395871-") {
		t.Fatalf("one job per lead and minute on the retail account: %v", msgs)
	}
	flow, in := storedJob[workflows.LeadTasksInput](t, msgs[0].Body)
	if flow != workflows.LeadTasksName || in.LeadID != 28395871 {
		t.Errorf("stored %s %+v", flow, in)
	}
	checkAnswer(t, "no tasks", apiEnv(t, fakeJobs{status: "completed", result: `[]`}).send("GET", "/api/leadtasks/5", "", ""), wantAnswer{200, `[]`})
	for _, bad := range []string{"abc", "0", "-4", "1.5"} {
		e := apiEnv(t, fakeJobs{status: "completed", result: list})
		checkAnswer(t, "id "+bad, e.send("GET", "/api/leadtasks/"+bad, "", ""), wantAnswer{400, "error"})
		if n := len(e.pub.published()); n != 0 {
			t.Errorf("id %s: stored %d jobs", bad, n)
		}
	}
	checkAnswer(t, "POST", e.send("POST", "/api/leadtasks/5", "", ""), wantAnswer{405, "*"})
	checkAnswer(t, "failed", apiEnv(t, fakeJobs{status: "failed", err: "amoCRM paused"}).send("GET", "/api/leadtasks/5", "", ""),
		wantAnswer{500, "error"})
	if rec := apiEnv(t, fakeJobs{status: "running"}).send("GET", "/api/leadtasks/5", "", ""); rec.Code != http.StatusAccepted ||
		!strings.Contains(rec.Body.String(), `"job_id":"1c-lead-tasks-5-`) {
		t.Errorf("running: %d %s", rec.Code, rec.Body)
	}
	e = apiEnv(t, fakeJobs{status: "completed", result: list}, func(c *config.Config) { c.Inbound.Legacy.LeadTasks.Enabled = false })
	checkAnswer(t, "disabled", e.send("GET", "/api/leadtasks/5", "", ""), wantAnswer{404, "*"})
	e = apiEnv(t, fakeJobs{status: "completed", result: list}, func(c *config.Config) { c.Inbound.Legacy.LeadTasks.AllowFrom = []string{"198.51.100.0/24"} })
	checkAnswer(t, "outside allow_from", e.send("GET", "/api/leadtasks/5", "", ""), wantAnswer{403, "*"})
}

func TestLegacyLeadTaskReportCSharp(t *testing.T) {
	report := "task_id=12433799&variant=%D0%92%D0%B7%D1%8F%D1%82%D0%BE+%D0%B2+%D1%80%D0%B0%D0%B1%D0%BE%D1%82%D1%83"
	for _, tc := range []struct {
		name, method, ctype, body string
		header                    []string
		want                      wantAnswer
		stored                    bool
	}{
		{"form", "PUT", typeURLEncoded, report, nil, wantAnswer{200, ""}, true},
		{"XMLHttpRequest", "PUT", typeJSON, `{"task_id":1}`, []string{"X-Requested-With", "XMLHttpRequest"}, wantAnswer{200, `{"Message":"SUCCESS"}`}, true},
		{"empty", "PUT", "", "", nil, wantAnswer{200, ""}, true},
		{"POST", "POST", typeURLEncoded, report, nil, wantAnswer{405, "*"}, false},
		{"too large", "PUT", "text/plain", strings.Repeat("x", 64<<10+1), nil, wantAnswer{413, "*"}, false},
	} {
		e := apiEnv(t, nil)
		rec := e.send(tc.method, "/api/leadtasks", tc.ctype, tc.body, tc.header...)
		checkAnswer(t, tc.name, rec, tc.want)
		kind := ""
		if tc.stored {
			kind = workflows.LeadTaskNoticeKind
		}
		checkNoticeStored(t, tc.name, e, kind, tc.ctype, tc.body)
	}
	// Not stored, not 200.
	e := apiEnv(t, nil)
	e.pub.err = errors.New("broker down")
	if rec := e.send("PUT", "/api/leadtasks", typeURLEncoded, report); rec.Code < 500 {
		t.Errorf("unconfirmed: %d", rec.Code)
	}
	// The same body twice within the dedup window is one job.
	e = apiEnv(t, nil)
	e.send("PUT", "/api/leadtasks", typeURLEncoded, report)
	e.send("PUT", "/api/leadtasks", typeURLEncoded, report)
	e.send("PUT", "/api/leadtasks", typeURLEncoded, report+"1")
	if m := e.pub.published(); len(m) != 3 || m[0].ID != m[1].ID || m[0].ID == m[2].ID {
		t.Errorf("job ids: %v", m)
	}
	e = apiEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.LeadTasks.Enabled = false })
	checkAnswer(t, "disabled", e.send("PUT", "/api/leadtasks", typeURLEncoded, report), wantAnswer{404, "*"})
}

// checkNoticeStored checks that e stored the one OneCNotice job of kind
// with the body and content type as sent (kind "": nothing stored).
func checkNoticeStored(t *testing.T, name string, e *env, kind, ctype, body string) {
	t.Helper()
	msgs := e.pub.published()
	if kind == "" {
		if len(msgs) != 0 {
			t.Errorf("%s: stored %d messages", name, len(msgs))
		}
		return
	}
	if len(msgs) != 1 {
		t.Fatalf("%s: stored %d messages", name, len(msgs))
	}
	flow, input, err := workflows.DecodeOneCJob(msgs[0].Body)
	in, _ := input.(*workflows.OneCNoticeInput)
	if err != nil || flow != workflows.OneCNoticeName || in == nil || in.Kind != kind || string(in.Body) != body || in.ContentType != ctype {
		t.Errorf("%s: stored %s %+v (%v)", name, flow, in, err)
	}
	if !strings.HasPrefix(msgs[0].ID, "1c-notice-"+kind+"-") {
		t.Errorf("%s: job id %s", name, msgs[0].ID)
	}
}
