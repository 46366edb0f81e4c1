package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"amoflow/config"
	"amoflow/mq"
	"amoflow/workflows"
)

func testConfig() *config.Config {
	return &config.Config{
		HTTP: config.HTTP{PublicURL: "https://in.example.test", BodyLimit: 64 << 10},
		Inbound: config.Inbound{
			CORSOrigins: []string{"https://mzpo-s.ru", "https://www.mzpo-s.ru/"},
			DedupWindow: 10 * time.Minute,
		},
		Accounts: map[string]*config.Account{
			"retail": {Name: "retail", Subdomain: "r", AccountID: 1},
			"corp":   {Name: "corp", Subdomain: "c", AccountID: 2},
		},
	}
}

// fakePublisher records what it stores, or fails with err.
type fakePublisher struct {
	mu   sync.Mutex
	msgs []mq.Message
	err  error
}

func (f *fakePublisher) Publish(ctx context.Context, m mq.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.msgs = append(f.msgs, m)
	return nil
}

func (f *fakePublisher) published() []mq.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mq.Message(nil), f.msgs...)
}

// env is a starter on a fake publisher and a settable clock.
type env struct {
	h   http.Handler
	reg *prometheus.Registry // the starter's series, apart from other tests'
	pub *fakePublisher
	now time.Time
	log *bytes.Buffer
}

func newEnv(t *testing.T, cfg *config.Config) *env {
	t.Helper()
	e := &env{pub: &fakePublisher{}, now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), log: &bytes.Buffer{},
		reg: prometheus.NewRegistry()}
	e.h = New(cfg, Deps{
		Publisher: e.pub,
		Metrics:   e.reg,
		Now:       func() time.Time { return e.now },
		// Debug: accepted forms log there, and no level may hold personal data.
		Logger: slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return e
}

func (e *env) do(method, path, contentType, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) postForm(body string, header ...string) *httptest.ResponseRecorder {
	return e.do(http.MethodPost, "/v1/forms", "application/x-www-form-urlencoded", body, header...)
}

// lastInput decodes the last published message's body.
func (e *env) lastInput(t *testing.T) (mq.Message, workflows.FormInput) {
	t.Helper()
	msgs := e.pub.published()
	if len(msgs) == 0 {
		t.Fatal("nothing published")
	}
	m := msgs[len(msgs)-1]
	var in workflows.FormInput
	if err := json.Unmarshal(m.Body, &in); err != nil {
		t.Fatalf("body %s: %v", m.Body, err)
	}
	return m, in
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, w.Body)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != w.Code || p.Type == "" || p.Title == "" {
		t.Errorf("problem %+v for status %d", p, w.Code)
	}
	return p
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, testConfig())
	if w := e.do(http.MethodGet, "/healthz", "", ""); w.Code != http.StatusOK {
		t.Errorf("healthz: %d", w.Code)
	}
}

func TestAdminRoutesNotPublic(t *testing.T) {
	// /metrics and /readyz live on the admin listener only.
	e := newEnv(t, testConfig())
	for _, path := range []string{"/metrics", "/readyz"} {
		if w := e.do(http.MethodGet, path, "", ""); w.Code != http.StatusNotFound {
			t.Errorf("GET %s on the public handler: %d", path, w.Code)
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, testConfig())
	if w := e.do(http.MethodGet, "/nope", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", w.Code)
	} else {
		decodeProblem(t, w)
	}
	if w := e.do(http.MethodGet, "/v1/forms", "", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/forms: %d", w.Code)
	}
	// Only the exact paths skip the router (exactRoutes): a near miss is
	// answered as the router always did, never stored as a form.
	if w := e.do(http.MethodPost, "/v1/forms/", typeURLEncoded, "phone=89161234567"); w.Code != http.StatusNotFound {
		t.Errorf("POST /v1/forms/: %d", w.Code)
	}
	if w := e.do(http.MethodPost, "/v1//forms", typeURLEncoded, "phone=89161234567"); w.Code != http.StatusMovedPermanently {
		t.Errorf("POST /v1//forms: %d, want the router's redirect to the clean path", w.Code)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, testConfig())
	e.postForm("phone=89161234567")
	e.postForm("name=x")
	w := httptest.NewRecorder()
	promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`amoflow_http_requests_total{code="202",route="/v1/forms"} 1`,
		`amoflow_http_requests_total{code="400",route="/v1/forms"} 1`,
		`amoflow_publish_duration_seconds_count{kind="form",result="ok"} 1`,
		`amoflow_http_request_duration_seconds_count{route="/v1/forms"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestLogsNoPersonalData(t *testing.T) {
	e := newEnv(t, testConfig())
	w := e.postForm("name=Ivanov&phone=8+916+123-45-67&email=Ivan@Mail.ru&comment=secret+plans")
	if w.Code != http.StatusAccepted {
		t.Fatal(w.Code, w.Body)
	}
	e.postForm("name=Ivanov&email=broken-address")
	e.pub.err = errors.New("broker down")
	e.postForm("name=Ivanov&phone=89161234567")
	log := e.log.String()
	// Times and hex digests are random digits: "916" may turn up in them by
	// chance, so they are blanked before the phone's digits are looked for.
	scrubbed := regexp.MustCompile(`"time":"[^"]*"|[0-9a-f]{16,}`).ReplaceAllString(log, "_")
	for _, pii := range []string{"Ivanov", "916", "1234567", "mail.ru", "Mail.ru", "secret", "broken-address"} {
		if strings.Contains(scrubbed, pii) {
			t.Errorf("log holds %q:\n%s", pii, log)
		}
	}
	_, in := e.lastInput(t)
	if !strings.Contains(log, in.JobID) {
		t.Errorf("log lacks the job id %s:\n%s", in.JobID, log)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t, testConfig())
	pre := e.do(http.MethodOptions, "/v1/forms", "", "",
		"Origin", "https://www.mzpo-s.ru", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type")
	h := pre.Header()
	if pre.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://www.mzpo-s.ru" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight from an allowed origin: %d %v", pre.Code, h)
	}
	if len(e.pub.published()) != 0 {
		t.Error("a preflight published")
	}

	evil := e.do(http.MethodOptions, "/v1/forms", "", "", "Origin", "https://evil.test", "Access-Control-Request-Method", "POST")
	if evil.Header().Get("Access-Control-Allow-Origin") != "" || evil.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("preflight from another origin allowed: %v", evil.Header())
	}

	post := e.postForm("phone=89161234567", "Origin", "https://mzpo-s.ru")
	if post.Header().Get("Access-Control-Allow-Origin") != "https://mzpo-s.ru" {
		t.Errorf("POST from an allowed origin: %v", post.Header())
	}
	legacy := e.do(http.MethodOptions, "/amo/index.php", "", "", "Origin", "https://mzpo-s.ru", "Access-Control-Request-Method", "POST")
	if legacy.Header().Get("Access-Control-Allow-Origin") != "https://mzpo-s.ru" {
		t.Errorf("legacy preflight: %v", legacy.Header())
	}
	for _, w := range []*httptest.ResponseRecorder{pre, evil, post, legacy} {
		if v := w.Header().Get("Access-Control-Allow-Credentials"); v != "" {
			t.Errorf("credentials allowed: %q", v)
		}
		if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("no Vary: Origin: %v", w.Header())
		}
	}
}

func TestNewSharesARegistry(t *testing.T) {
	// Two handlers on one registry (as a process embedding several routers
	// would have) share the series instead of panicking.
	reg := prometheus.NewRegistry()
	deps := Deps{Publisher: &fakePublisher{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: reg}
	a, b := New(testConfig(), deps), New(testConfig(), deps)
	for _, h := range []http.Handler{a, b} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	}
	w := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(w.Body.String(), `amoflow_http_requests_total{code="200",route="/healthz"} 2`) {
		t.Errorf("shared series:\n%s", w.Body)
	}
}
