package amofake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1751892369, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	sub       = "retail"
	otherSub  = "corp"
	fieldSite = 639081
	phoneID   = 264911
	emailID   = 264913
	catalogID = 12463
	skuField  = 647993
)

// env is a fake behind a real HTTP server, with a token for the retail account.
type env struct {
	t     *testing.T
	fake  *Server
	srv   *httptest.Server
	clock *clock
	token string
}

func testConfig(c *clock) Config {
	return Config{
		RPS: 1000, // the rate limit has its own test
		Now: c.Now,
		Accounts: []AccountConfig{{
			Subdomain: sub, AccountID: 28395871, ClientID: "id", ClientSecret: "secret",
			Users:      []User{{ID: 2576764, Name: "Администратор"}, {ID: 8348113, Name: "Kochura", Inactive: true}},
			LeadFields: []int64{639075, fieldSite}, ContactFields: []int64{phoneID, emailID, 710429},
			PhoneField: phoneID, EmailField: emailID, CatalogFields: []int64{skuField, 710407},
			CatalogIDs: []int64{catalogID}, Tags: map[string]int64{"mzpo-s.ru": 246137, "Заявка с сайта": 139175},
			DefaultPipelineID: 3198184, DefaultStatusID: 32532880,
		}, {
			Subdomain: otherSub, AccountID: 19453687, ClientID: "id2", ClientSecret: "secret2",
		}},
	}
}

func newEnv(t *testing.T, tweak func(*Config)) *env {
	t.Helper()
	c := newClock()
	cfg := testConfig(c)
	if tweak != nil {
		tweak(&cfg)
	}
	e := &env{t: t, fake: New(cfg), clock: c}
	e.srv = newTestServer(t, e.fake)
	e.token = e.fake.IssueToken(sub, 0).AccessToken
	return e
}

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request to the fake; path is relative to the server
// ("/retail/api/v4/leads") or absolute. body is JSON-encoded unless it is a string.
func (e *env) do(method, path string, body any) reply {
	return e.doToken(method, path, e.token, body)
}

func (e *env) doToken(method, path, token string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	url := path
	if strings.HasPrefix(path, "/") {
		url = e.srv.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	switch body.(type) {
	case nil:
	case string:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, raw}
}

// must checks the status of a reply and returns it.
func (e *env) must(status int, r reply) reply {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body:\n%s", r.status, status, r.body)
	}
	return r
}

// dig walks a decoded JSON value: dig(m, "_embedded", "leads", 0, "id").
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: not an object: %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %d: not a long enough array: %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("not a number: %#v", v)
	}
	return int64(f)
}

func jsonB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
