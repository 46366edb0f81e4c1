package starter

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"amoflow/config"
	"amoflow/workflows"
)

func TestClientAddr(t *testing.T) {
	px, _ := config.Prefixes([]string{"10.0.0.0/8", "2001:db8::1"})
	p := proxies(px)
	cases := []struct {
		name, remote string
		xff          []string
		want         string // "" for no valid address
	}{
		{"direct, XFF ignored", "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"through one proxy", "10.0.0.2:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"spoofed hops left of the client", "10.0.0.2:4000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", "10.0.0.2:4000", []string{"6.6.6.6, 203.0.113.9, 10.0.0.3"}, "203.0.113.9"},
		{"headers split", "10.0.0.2:4000", []string{"6.6.6.6", "203.0.113.9", "10.1.2.3"}, "203.0.113.9"},
		{"IPv6 proxy", "[2001:db8::1]:4000", []string{"2001:db8:aa::5"}, "2001:db8:aa::5"},
		{"hop with a port", "10.0.0.2:4000", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"mapped IPv4", "[::ffff:10.0.0.2]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"proxy without XFF", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"only proxies", "10.0.0.2:4000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"garbage hop", "10.0.0.2:4000", []string{"203.0.113.9, evil"}, ""},
		{"garbage remote", "nonsense", nil, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/v1/forms", nil)
		r.RemoteAddr = c.remote
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		got, ok := p.clientAddr(r)
		if (c.want == "" && ok) || (c.want != "" && (!ok || got != netip.MustParseAddr(c.want))) {
			t.Errorf("%s: %v %v, want %q", c.name, got, ok, c.want)
		}
	}
	// No trusted proxies: the connecting address, whatever X-Forwarded-For says.
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "10.0.0.2:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got, _ := proxies(nil).clientAddr(r); got != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("without trusted proxies: %v", got)
	}
}

func TestClientLimiter(t *testing.T) {
	l := newClientLimiter(&config.Rate{RPS: 0.5, Burst: 2})
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow(a, at); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, wait := l.allow(a, at)
	if ok || wait != 2*time.Second || retryAfterSeconds(wait) != "2" {
		t.Fatalf("over the burst: %v, retry after %v", ok, wait)
	}
	if ok, _ := l.allow(b, at); !ok {
		t.Fatal("another client shares the first one's bucket")
	}
	if ok, _ := l.allow(a, at.Add(2*time.Second)); !ok {
		t.Fatal("a refused request must not use up a token")
	}
	// One IPv6 subscriber is its /64.
	x, y := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	l.allow(x, at)
	l.allow(x, at)
	if ok, _ := l.allow(y, at); ok {
		t.Fatal("two addresses of one /64 are one client")
	}
	if newClientLimiter(&config.Rate{}) != nil || newClientLimiter(nil) != nil {
		t.Fatal("rps 0 is no limit")
	}
}

func TestClientLimiterStaysBounded(t *testing.T) {
	l := newClientLimiter(&config.Rate{RPS: 1, Burst: 1})
	l.max = 64
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}) }
	for i := 0; i < 1000; i++ {
		l.allow(addr(i), at) // a flood from many addresses at once: none idle
		if len(l.clients) > l.max {
			t.Fatalf("%d clients remembered, max %d", len(l.clients), l.max)
		}
	}
	// Idle clients (bucket full again) are forgotten first.
	l2 := newClientLimiter(&config.Rate{RPS: 1, Burst: 1})
	l2.max = 4
	for i := 0; i < 3; i++ {
		l2.allow(addr(i), at)
	}
	busy := addr(100)
	l2.allow(busy, at.Add(time.Hour))
	l2.allow(addr(101), at.Add(time.Hour)) // full: the three idle ones go
	if _, ok := l2.clients[busy]; !ok || len(l2.clients) != 2 {
		t.Fatalf("after eviction: %d clients, busy kept: %v", len(l2.clients), ok)
	}
}

func TestFormRateLimitedBehindProxy(t *testing.T) {
	cfg := testConfig()
	cfg.Inbound.TrustedProxies = []string{"10.0.0.0/8"}
	cfg.Inbound.FormRate = &config.Rate{RPS: 1, Burst: 2}
	e := newEnv(t, cfg)
	before := testutil.ToFloat64(formRateLimited)
	post := func(client string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader("phone=89161234567&comment="+client))
		r.Header.Set("Content-Type", typeURLEncoded)
		r.RemoteAddr = "10.0.0.2:4000"
		r.Header.Set("X-Forwarded-For", "1.2.3.4, "+client) // the left one is what the client claims
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w
	}
	for i := 0; i < 2; i++ {
		if w := post("203.0.113.5"); w.Code != http.StatusAccepted {
			t.Fatalf("within the burst: %d %s", w.Code, w.Body)
		}
	}
	w := post("203.0.113.5")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if p := decodeProblem(t, w); p.Type != problemType+"rate-limited" {
		t.Errorf("problem %+v", p)
	}
	if got := testutil.ToFloat64(formRateLimited) - before; got != 1 {
		t.Errorf("amoflow_form_rate_limited_total grew by %v", got)
	}
	if w := post("203.0.113.6"); w.Code != http.StatusAccepted {
		t.Fatalf("another client behind the same proxy: %d", w.Code)
	}
	if n := len(e.pub.published()); n != 3 {
		t.Errorf("%d stored, want 3", n)
	}
	if strings.Contains(e.log.String(), "203.0.113.5") {
		t.Error("the client's address was logged")
	}
	e.now = e.now.Add(time.Second)
	if w := post("203.0.113.5"); w.Code != http.StatusAccepted {
		t.Fatalf("after Retry-After: %d", w.Code)
	}
	// A CORS preflight is not a form.
	for i := 0; i < 5; i++ {
		r := httptest.NewRequest(http.MethodOptions, "/v1/forms", nil)
		r.Header.Set("Origin", "https://mzpo-s.ru")
		r.Header.Set("Access-Control-Request-Method", "POST")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code == http.StatusTooManyRequests {
			t.Fatal("a preflight was rate limited")
		}
	}
}

func TestHoneypot(t *testing.T) {
	cfg := testConfig()
	cfg.Inbound.HoneypotField = "website"
	e := newEnv(t, cfg)
	before := testutil.ToFloat64(formHoneypot)
	w := e.postForm("phone=89161234567&website=http://spam.example")
	if w.Code != http.StatusBadRequest {
		t.Fatalf("honeypot filled: %d %s", w.Code, w.Body)
	}
	if p := decodeProblem(t, w); p.Field != "" || strings.Contains(w.Body.String(), "website") {
		t.Errorf("the answer gives the honeypot away: %s", w.Body)
	}
	if len(e.pub.published()) != 0 || testutil.ToFloat64(formHoneypot)-before != 1 {
		t.Errorf("a bot's form was stored, or not counted")
	}
	if w := e.postForm("phone=89161234567&website=+"); w.Code != http.StatusAccepted {
		t.Fatalf("honeypot left empty: %d", w.Code)
	}
	if _, in := e.lastInput(t); in.Fields["website"] != "" {
		t.Error("the honeypot is stored as a field")
	}
}

// memIdempotency is BindIdempotencyKey in memory.
type memIdempotency struct {
	mu sync.Mutex
	m  map[string]string
}

func (m *memIdempotency) BindIdempotencyKey(_ context.Context, id string, digest []byte, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.m[id]; ok {
		return d == string(digest), nil
	}
	m.m[id] = string(digest)
	return true, nil
}

func newIdemEnv(t *testing.T, cfg *config.Config) *env {
	e := newEnv(t, cfg)
	e.h = New(cfg, Deps{Publisher: e.pub, Now: func() time.Time { return e.now }, Logger: slog.New(slog.NewJSONHandler(e.log, nil)),
		Idempotency: &memIdempotency{m: map[string]string{}}})
	return e
}

func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	cfg := testConfig()
	cfg.Inbound.OneCToken = "1c-token"
	e := newIdemEnv(t, cfg)
	key := []string{"Idempotency-Key", "order-17"}
	first := e.postForm("phone=89161234567&comment=one", key...)
	if first.Code != http.StatusAccepted {
		t.Fatal(first.Code, first.Body)
	}
	// The same body again, even in another encoding: the same job.
	again := e.do(http.MethodPost, "/v1/forms", typeJSON, `{"comment":"one","phone":"89161234567"}`, key...)
	var a1, a2 accepted
	if err := json.Unmarshal(first.Body.Bytes(), &a1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again.Body.Bytes(), &a2); err != nil {
		t.Fatal(err)
	}
	if again.Code != http.StatusAccepted || a1.JobID != a2.JobID || a1.JobID != "form-retail-order-17" {
		t.Fatalf("the same body again: %d %s", again.Code, again.Body)
	}
	other := e.postForm("phone=89161234567&comment=two", key...)
	if other.Code != http.StatusUnprocessableEntity {
		t.Fatalf("another body under the key: %d %s", other.Code, other.Body)
	}
	if p := decodeProblem(t, other); p.Field != "Idempotency-Key" || !strings.Contains(p.Detail, "Idempotency-Key") {
		t.Errorf("problem %+v", p)
	}
	if n := len(e.pub.published()); n != 2 {
		t.Errorf("%d published, want 2 (the refused body is not)", n)
	}
	// Without the header nothing is bound.
	for _, c := range []string{"one", "two"} {
		if w := e.postForm("phone=89161234567&comment=" + c); w.Code != http.StatusAccepted {
			t.Fatal(w.Code)
		}
	}

	// 1C routes bind their keys the same way.
	hdr := []string{"Idempotency-Key", "k1", "X-Amoflow-Token", "1c-token"}
	body := func(name string) string {
		return `{"product_id_1C":"df5f07f7-5821-11eb-86f0-82172a65f31e","short_name":"M-1","name":"` + name + `"}`
	}
	w1 := e.do(http.MethodPost, "/v1/1c/courses", typeJSON, body("Массаж"), hdr...)
	if w1.Code != http.StatusAccepted {
		t.Fatalf("1C course: %d %s", w1.Code, w1.Body)
	}
	if w := e.do(http.MethodPost, "/v1/1c/courses", typeJSON, body("Массаж"), hdr...); w.Code != http.StatusAccepted {
		t.Fatalf("1C, same body: %d", w.Code)
	}
	if w := e.do(http.MethodPost, "/v1/1c/courses", typeJSON, body("Маникюр"), hdr...); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("1C, another body: %d %s", w.Code, w.Body)
	}
}

// One bad event does not refuse the delivery: the good ones are stored and
// run, the bad one is named in the answer, logged without its value and
// counted.
func TestWebhookBadEventDoesNotRefuseTheDelivery(t *testing.T) {
	e := newHookEnv(t)
	before := testutil.ToFloat64(webhookEventsRejected.WithLabelValues("ret2corp", "bad_value"))
	body := strings.Replace(threeLeads, "leads[status][1][status_id]=35942104", "leads[status][1][status_id]=Иванов+Иван", 1) +
		"&leads[status][3][id]=%zz"
	rec := e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, typeURLEncoded, body)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var ans webhookAccepted
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.EventJobIDs) != 2 || len(ans.Rejected) != 2 ||
		ans.Rejected[0].Event != "leads[status][1]" || ans.Rejected[0].Detail != "leads[status][1][status_id]: not a number" ||
		ans.Rejected[1].Event != "leads[status][3]" {
		t.Fatalf("answer %s", rec.Body)
	}
	var in workflows.WebhookInput
	if err := json.Unmarshal(e.pub.published()[0].Body, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 2 || in.Events[0].ID != 101 || in.Events[1].ID != 103 {
		t.Fatalf("stored events %+v", in.Events)
	}
	if got := testutil.ToFloat64(webhookEventsRejected.WithLabelValues("ret2corp", "bad_value")) - before; got != 2 {
		t.Errorf("amoflow_webhook_events_rejected_total{ret2corp,bad_value} grew by %v", got)
	}
	if log := e.log.String(); !strings.Contains(log, "webhook event rejected") || strings.Contains(log, "Иванов") {
		t.Errorf("log: %s", log)
	}

	// Nothing readable at all: refused, and the body says why.
	rec = e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, typeURLEncoded, "leads[status][0][id]=abc&account[id]=1")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("no valid event: %d", rec.Code)
	}
	if p := decodeProblem(t, rec); len(p.Rejected) != 1 || p.Rejected[0].Reason != "bad_value" {
		t.Errorf("problem %s", rec.Body)
	}
	// Readable events, none for the method, one bad: 200 ignored, listed.
	rec = e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, typeURLEncoded, "contacts[update][0][id]=5&leads[status][0][id]=x&account[id]=1")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"rejected_events"`) {
		t.Fatalf("ignored delivery with a bad event: %d %s", rec.Code, rec.Body)
	}
}

// Behind a trusted proxy the legacy allow-list checks the forwarded client,
// not the proxy; the route needs account[id] or account[subdomain].
func TestLegacyWebhookBehindProxy(t *testing.T) {
	cfg := testConfig()
	cfg.Inbound.LegacyWebhooks.Enabled = true
	cfg.Inbound.LegacyWebhooks.AllowFrom = []string{"192.0.2.0/24"}
	cfg.Inbound.TrustedProxies = []string{"10.0.0.1"}
	e := newEnv(t, cfg)
	post := func(remote, xff, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/amo/webhooks/?ret2corp", strings.NewReader(body))
		req.Header.Set("Content-Type", typeURLEncoded)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	cases := []struct {
		name, remote, xff, body string
		want                    int
	}{
		{"amoCRM through the proxy", "10.0.0.1:80", "192.0.2.7", threeLeads, 200},
		{"a stranger through the proxy", "10.0.0.1:80", "198.51.100.1", threeLeads, 403},
		{"a stranger claiming amoCRM's address", "10.0.0.1:80", "192.0.2.7, 198.51.100.1", threeLeads, 403},
		{"an untrusted peer's X-Forwarded-For is ignored", "198.51.100.1:80", "192.0.2.7", threeLeads, 403},
		{"the proxy itself is not amoCRM", "10.0.0.1:80", "", threeLeads, 403},
		{"no account fields", "10.0.0.1:80", "192.0.2.7", "leads[status][0][id]=101&leads[status][0][status_id]=1", 400},
	}
	for _, c := range cases {
		if rec := post(c.remote, c.xff, c.body); rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
	}
	if n := len(e.pub.published()); n != 1 {
		t.Errorf("%d stored, want 1", n)
	}
}
