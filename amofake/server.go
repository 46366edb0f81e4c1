package amofake

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Server is a fake amoCRM serving several accounts. It is an http.Handler
// and safe for concurrent use.
type Server struct {
	cfg      Config
	accounts map[string]*account // by subdomain
	subs     []string            // subdomains in config order
	api      *http.ServeMux
	fake     *http.ServeMux // /_fake/ inspection and fault injection
}

// maxBody bounds request bodies.
const maxBody = 8 << 20

// New returns a fake amoCRM with the given accounts. It panics when two
// accounts share a subdomain or one has none: that is a bug in the test.
func New(cfg Config) *Server {
	cfg.setDefaults()
	s := &Server{cfg: cfg, accounts: map[string]*account{}, api: http.NewServeMux(), fake: http.NewServeMux()}
	for i, ac := range cfg.Accounts {
		if ac.Subdomain == "" || strings.ContainsAny(ac.Subdomain, "/_") || s.accounts[ac.Subdomain] != nil {
			panic(fmt.Sprintf("amofake: bad or duplicate subdomain %q", ac.Subdomain))
		}
		s.accounts[ac.Subdomain] = newAccount(i, ac)
		s.subs = append(s.subs, ac.Subdomain)
	}
	s.routes()
	s.fakeRoutes()
	return s
}

// ServeHTTP serves /{subdomain}/oauth2/…, /{subdomain}/api/… and /_fake/….
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_fake" || strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.fake.ServeHTTP(w, r)
		return
	}
	s.api.ServeHTTP(w, r)
}

// request is what a handler sees of an HTTP request.
type request struct {
	*http.Request
	body   []byte
	now    time.Time
	origin string // scheme://host as the client reached us
	base   string // the account's base URL: origin/{subdomain}
}

func (q *request) unix() int64 { return q.now.Unix() }

// id parses a numeric path wildcard.
func (q *request) id(name string) (int64, bool) {
	n, err := strconv.ParseInt(q.PathValue(name), 10, 64)
	return n, err == nil && n > 0
}

// handler serves one route of one account; it runs with the account locked.
type handler func(a *account, q *request) response

// route registers a handler for a pattern relative to the account prefix,
// like "GET /api/v4/leads/{id}". The pattern is also the call log's name
// for the route.
func (s *Server) route(pattern string, h handler) {
	method, path, _ := strings.Cut(pattern, " ")
	s.api.HandleFunc(method+" /{sub}"+path, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, pattern, h)
	})
}

func (s *Server) routes() {
	s.route("POST /oauth2/access_token", s.token)
	leadRoutes(s)
	contactRoutes(s)
	noteRoutes(s)
	linkRoutes(s)
	taskRoutes(s)
	catalogRoutes(s)
	metaRoutes(s)
	// Anything else under an account is a 404 that still shows in the call log.
	s.api.HandleFunc("/{sub}/", func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/"+r.PathValue("sub"))
		s.serve(w, r, r.Method+" "+path, notFound)
	})
}

// serve runs one request through what stands before amoCRM's handlers —
// injected faults, the rate limit, the bearer token check — then the
// handler, and logs the call.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, tmpl string, h handler) {
	a := s.accounts[r.PathValue("sub")]
	if a == nil {
		http.Error(w, "amofake: no account "+r.PathValue("sub"), http.StatusNotFound)
		return
	}
	_, path, _ := strings.Cut(tmpl, " ")
	api := strings.HasPrefix(path, "/api/")

	a.mu.Lock()
	latency := a.faults.Latency
	a.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			a.mu.Lock()
			a.record(r.Method, tmpl, 499, s.cfg.Now()) // nginx's "client closed request"
			a.mu.Unlock()
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "amofake: reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	q := &request{Request: r, body: body, now: s.cfg.Now(), origin: origin(r)}
	q.base = q.origin + "/" + r.PathValue("sub")

	a.mu.Lock()
	resp, stopped := s.gate(a, q, api)
	dropped := false
	if !stopped {
		resp = h(a, q)
		dropped = a.dropAnswer(api)
	}
	status := resp.status
	if dropped {
		status = statusDropped
	}
	a.record(r.Method, tmpl, status, q.now)
	answer := a.faults.Answer.sample()
	a.mu.Unlock()
	if answer > 0 {
		t := time.NewTimer(answer)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop() // handled and counted; the client gave up on the answer
			return
		}
	}
	if dropped {
		panic(http.ErrAbortHandler) // the server closes the connection, no answer
	}
	resp.write(w)
}

// gate answers instead of the handler when a fault is injected, the
// account is over its request budget or the token does not work.
func (s *Server) gate(a *account, q *request, api bool) (response, bool) {
	if resp, ok := a.injectFault(api); ok {
		return resp, true
	}
	if !api {
		return response{}, false
	}
	if !s.allow(a, q.now) {
		return htmlPage(http.StatusTooManyRequests), true
	}
	token, ok := strings.CutPrefix(q.Header.Get("Authorization"), "Bearer ")
	if !ok || !a.validAccess(strings.TrimSpace(token), q.now) {
		return unauthorized(), true
	}
	return response{}, false
}

// allow admits an API request unless RPS requests were admitted in the
// second before it. Refused requests do not count.
func (s *Server) allow(a *account, now time.Time) bool {
	if s.cfg.RPS < 0 {
		return true
	}
	cut := now.Add(-time.Second)
	kept := a.admitted[:0]
	for _, t := range a.admitted {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	a.admitted = kept
	if len(a.admitted) >= s.cfg.RPS {
		return false
	}
	a.admitted = append(a.admitted, now)
	return true
}

// record adds a call to the account's call log.
func (a *account) record(method, tmpl string, status int, at time.Time) {
	a.counts[tmpl]++
	if len(a.calls) >= maxCalls {
		a.calls = append(a.calls[:0], a.calls[len(a.calls)-maxCalls/2:]...)
	}
	a.calls = append(a.calls, Call{Method: method, Path: tmpl, Status: status, Time: at})
}

func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// account returns the account of a subdomain or panics: tests name accounts
// they configured.
func (s *Server) account(sub string) *account {
	a := s.accounts[sub]
	if a == nil {
		panic(fmt.Sprintf("amofake: no account %q", sub))
	}
	return a
}
