package amocrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"amoflow/store"
	"amoflow/store/storetest"
)

var _ oauth2.TokenSource = (*TokenSource)(nil)
var _ Credentials = (*TokenSource)(nil)

// tokenServer is a token endpoint with amoCRM's one-time refresh tokens and
// an API that accepts only access tokens it issued and has not expired.
type tokenServer struct {
	*httptest.Server
	mu        sync.Mutex
	refreshes int
	refresh   map[string]bool // refresh tokens still usable
	access    map[string]bool
	n         int
	attempts  int // token endpoint calls
	fail      int // status to answer the token endpoint with, if set
	delay     time.Duration
	lastBody  map[string]string
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{refresh: map[string]bool{}, access: map[string]bool{}}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (s *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth2/access_token" {
		s.mu.Lock()
		ok := s.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, 401, map[string]any{"title": "Unauthorized", "status": 401})
			return
		}
		writeJSON(w, 200, map[string]any{"id": 1, "name": "ok"})
		return
	}
	time.Sleep(s.delay)
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, 400, map[string]any{"title": "Bad Request", "status": 400, "detail": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastBody = body
	s.attempts++
	if s.fail != 0 {
		w.WriteHeader(s.fail)
		return
	}
	if body["client_id"] != "cid" || body["client_secret"] != "secret" {
		writeJSON(w, 401, map[string]any{"title": "Некорректный клиент", "status": 401,
			"type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson", "detail": "Авторизация клиента не прошла"})
		return
	}
	switch body["grant_type"] {
	case "refresh_token":
		s.refreshes++
		if !s.refresh[body["refresh_token"]] {
			writeJSON(w, 401, map[string]any{"hint": "Token has been revoked", "title": "Некорректный запрос",
				"type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson", "status": 401})
			return
		}
		delete(s.refresh, body["refresh_token"])
	case "authorization_code":
		if body["code"] == "" {
			writeJSON(w, 400, map[string]any{"hint": "Authorization code has expired", "status": 400})
			return
		}
	}
	access, refresh := s.issueLocked()
	writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 86400, "access_token": access, "refresh_token": refresh})
}

func (s *tokenServer) issueLocked() (access, refresh string) {
	s.n++
	access, refresh = fmt.Sprintf("access%d", s.n), fmt.Sprintf("refresh%d", s.n)
	s.access[access], s.refresh[refresh] = true, true
	return access, refresh
}

// seed stores a pair the server knows, expiring at exp.
func (s *tokenServer) seed(t *testing.T, db *store.DB, exp time.Time) {
	s.mu.Lock()
	a, r := s.issueLocked()
	s.mu.Unlock()
	if _, err := db.PutToken(context.Background(), "retail", a, r, exp); err != nil {
		t.Fatal(err)
	}
}

func (s *tokenServer) expireAccess() {
	s.mu.Lock()
	s.access = map[string]bool{}
	s.mu.Unlock()
}

func (s *tokenServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

func (s *tokenServer) account() Account {
	return Account{Name: "retail", BaseURL: s.URL, ClientID: "cid", ClientSecret: "secret", RedirectURI: "https://example.com/oauth/callback"}
}

func row(t *testing.T, db *store.DB) store.Token {
	t.Helper()
	r, err := db.Token(context.Background(), "retail")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRefreshWithinMargin(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	srv.seed(t, db, time.Now().Add(time.Minute)) // inside the 5 min margin
	// A row from before issue times were kept: the margin alone decides.
	if _, err := db.Pool.Exec(context.Background(), `UPDATE amo_tokens SET issued_at = NULL`); err != nil {
		t.Fatal(err)
	}
	ts := NewTokenSource(db, srv.account())
	ctx := context.Background()

	c, err := ts.Credential(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := row(t, db)
	if c.AccessToken != "access2" || c.Version != 2 || r.Version != 2 || r.RefreshToken != "refresh2" || r.AccessToken != "access2" {
		t.Fatalf("credential %s %q, row %+v", c, c.AccessToken, r)
	}
	if d := time.Until(r.ExpiresAt); d < 23*time.Hour || d > 24*time.Hour {
		t.Fatalf("expires in %v", d)
	}
	want := map[string]string{"client_id": "cid", "client_secret": "secret", "grant_type": "refresh_token",
		"refresh_token": "refresh1", "redirect_uri": "https://example.com/oauth/callback"}
	if fmt.Sprint(srv.lastBody) != fmt.Sprint(want) {
		t.Fatalf("refresh body %v", srv.lastBody)
	}
	for range 3 {
		if _, err := ts.Credential(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.count() != 1 {
		t.Fatalf("%d refreshes, want 1", srv.count())
	}
	if s := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(s, "access2") {
		t.Fatalf("credential prints its token: %s", s)
	}
}

func TestConcurrentRefreshIsSerialized(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	srv.seed(t, db, time.Now().Add(-time.Minute))
	srv.delay = 100 * time.Millisecond
	// Separate sources stand for separate processes: no shared cache.
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	got := make(chan string, 30)
	for range 3 {
		ts := NewTokenSource(db, srv.account())
		for range 10 {
			wg.Go(func() {
				c, err := ts.Credential(context.Background())
				errs <- err
				got <- c.AccessToken
			})
		}
	}
	wg.Wait()
	close(errs)
	close(got)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for tok := range got {
		if tok != "access2" {
			t.Fatalf("got %q, want every caller to get the one refreshed token", tok)
		}
	}
	if srv.count() != 1 || row(t, db).Version != 2 {
		t.Fatalf("%d refreshes, row version %d; want 1 and 2", srv.count(), row(t, db).Version)
	}
}

func TestRevokedRefreshTokenNeedsReauth(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	if _, err := db.PutToken(context.Background(), "retail", "stale", "reused", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	ts := NewTokenSource(db, srv.account())
	c := New(srv.account(), ts, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	ctx := context.Background()

	_, err := c.Lead(ctx, 1)
	if !errors.Is(err, ErrReauthRequired) || IsRetryable(err) {
		t.Fatalf("err = %v; want permanent ErrReauthRequired", err)
	}
	if want := "amocrm: account retail needs re-authorization: refresh token revoked"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	if r := row(t, db); r.NeedsReauth != "refresh token revoked" {
		t.Fatalf("needs_reauth = %q", r.NeedsReauth)
	}
	// No retry loop: later calls fail from the mark without asking amoCRM.
	for range 3 {
		if _, err := c.Lead(ctx, 1); !errors.Is(err, ErrReauthRequired) {
			t.Fatal(err)
		}
	}
	if srv.count() != 1 {
		t.Fatalf("%d refresh attempts, want 1", srv.count())
	}
	// An operator authorizes again; the same process recovers.
	if err := ExchangeCode(ctx, db, srv.account(), "code"); err != nil {
		t.Fatal(err)
	}
	if r := row(t, db); r.NeedsReauth != "" || r.AccessToken != "access1" {
		t.Fatalf("after ExchangeCode: %+v", r)
	}
	if _, err := c.Lead(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

// A wrong client secret is the configuration's fault: the grant is not
// marked, the still valid pair keeps working, and once it is gone the
// account pauses with a ConfigError that says what to fix.
func TestBadClientIsConfigError(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	srv.seed(t, db, time.Now().Add(time.Minute))
	// Due for a refresh (past half its lifetime), still valid.
	if _, err := db.Pool.Exec(context.Background(), `UPDATE amo_tokens SET issued_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	acct := srv.account()
	acct.ClientSecret = "wrong"
	ts := NewTokenSource(db, acct)
	c, err := ts.Credential(context.Background())
	if err != nil || c.AccessToken != "access1" {
		t.Fatalf("valid pair with a bad secret: %v %v; want the pair", c, err)
	}
	r := row(t, db)
	if r.NeedsReauth != "" || !strings.Contains(r.RefreshError, "Некорректный клиент") {
		t.Fatalf("mark %q, refresh error %q", r.NeedsReauth, r.RefreshError)
	}
	if _, err := db.Pool.Exec(context.Background(), `UPDATE amo_tokens SET expires_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	_, err = NewTokenSource(db, acct).Credential(context.Background())
	var ce *ConfigError
	if !errors.As(err, &ce) || errors.Is(err, ErrReauthRequired) || row(t, db).NeedsReauth != "" {
		t.Fatalf("err = %v, mark %q", err, row(t, db).NeedsReauth)
	}
	if p, ok := Paused(err); !ok || p.Type != "AmoAccountPaused" || !strings.Contains(p.Message, "accounts.retail") {
		t.Fatalf("pause %+v %v", p, ok)
	}
	// Fixed configuration: the same refresh token still works.
	if c, err := NewTokenSource(db, srv.account()).Credential(context.Background()); err != nil || c.AccessToken != "access2" {
		t.Fatalf("after the fix: %v %v", c, err)
	}
	if err := ExchangeCode(context.Background(), db, srv.account(), ""); !errors.Is(err, ErrReauthRequired) {
		t.Fatalf("empty code: %v", err)
	}
	if err := ExchangeCode(context.Background(), db, acct, "code"); !errors.As(err, &ce) {
		t.Fatalf("code with a bad secret: %v", err)
	}
}

func TestUnauthorizedForcesOneRefresh(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	srv.seed(t, db, time.Now().Add(time.Hour))
	ctx := context.Background()
	// Two processes hold the same cached token when amoCRM stops taking it.
	ts1, ts2 := NewTokenSource(db, srv.account()), NewTokenSource(db, srv.account())
	c1 := New(srv.account(), ts1, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	c2 := New(srv.account(), ts2, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	for _, c := range []*Client{c1, c2} {
		if _, err := c.Lead(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	srv.expireAccess()
	for _, c := range []*Client{c1, c2} {
		if _, err := c.Lead(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	if srv.count() != 1 || row(t, db).Version != 2 {
		t.Fatalf("%d refreshes, version %d; want the second process to take the first one's pair", srv.count(), row(t, db).Version)
	}
}

func TestLongLivedToken(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	ctx := context.Background()
	srv.access["long"] = true
	if err := StoreLongLivedToken(ctx, db, srv.account(), "long", time.Now().Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ts := NewTokenSource(db, srv.account(), withClock(func() time.Time { return now }))
	if c, err := ts.Credential(ctx); err != nil || c.AccessToken != "long" {
		t.Fatalf("inside the margin: %v, %v; want the token until it expires", c, err)
	}
	now = now.Add(3 * time.Minute)
	_, err := ts.Credential(ctx)
	if !errors.Is(err, ErrReauthRequired) || row(t, db).NeedsReauth != "long-lived token expired" {
		t.Fatalf("after expiry: %v, mark %q", err, row(t, db).NeedsReauth)
	}
	if srv.count() != 0 {
		t.Fatal("a long-lived token was refreshed")
	}
}

func TestTransientTokenEndpointError(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	srv.seed(t, db, time.Now().Add(-time.Minute))
	ts := NewTokenSource(db, srv.account())
	srv.fail = http.StatusBadGateway
	_, err := ts.Credential(context.Background())
	if !IsRetryable(err) || errors.Is(err, ErrReauthRequired) || row(t, db).NeedsReauth != "" || row(t, db).Version != 1 {
		t.Fatalf("502: %v; want retryable, row untouched", err)
	}
	srv.fail = 0
	if _, err := ts.Credential(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Inside the margin the valid pair is used while the endpoint fails,
	// and the next attempt waits.
	if _, err := db.Pool.Exec(context.Background(), `UPDATE amo_tokens SET expires_at = now() + interval '2 minutes', issued_at = now() - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	ts = NewTokenSource(db, srv.account())
	srv.fail = http.StatusServiceUnavailable
	for range 3 {
		if c, err := ts.Credential(context.Background()); err != nil || c.Version != 2 {
			t.Fatalf("inside the margin: %v, %v; want the still valid pair", c, err)
		}
	}
	if srv.attempts != 3 {
		t.Fatalf("%d token endpoint calls, want 3 (2 before, 1 now)", srv.attempts)
	}
}

func TestNoTokenStored(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	_, err := NewTokenSource(db, srv.account()).Credential(context.Background())
	if !errors.Is(err, ErrReauthRequired) || IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestTokensEncryptedAtRest(t *testing.T) {
	db, srv := storetest.New(t), newTokenServer(t)
	ctx := context.Background()
	key, err := ParseTokenKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	if err := ExchangeCode(ctx, db, srv.account(), "code", WithTokenKey(key)); err != nil {
		t.Fatal(err)
	}
	r := row(t, db)
	if !strings.HasPrefix(r.AccessToken, sealedPrefix) || strings.Contains(r.AccessToken+r.RefreshToken, "access1") ||
		strings.Contains(r.RefreshToken, "refresh1") {
		t.Fatalf("stored in clear: %+v", r)
	}
	// Expire it so the refresh has to decrypt the refresh token and seal the new pair.
	if _, err := db.Pool.Exec(ctx, `UPDATE amo_tokens SET expires_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	c, err := NewTokenSource(db, srv.account(), WithTokenKey(key)).Credential(ctx)
	if err != nil || c.AccessToken != "access2" || !strings.HasPrefix(row(t, db).RefreshToken, sealedPrefix) {
		t.Fatalf("refresh with key: %v %v", c, err)
	}
	if _, err := NewTokenSource(db, srv.account()).Credential(ctx); err == nil {
		t.Fatal("read an encrypted token without the key")
	}
	other, _ := ParseTokenKey("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
	if _, err := NewTokenSource(db, srv.account(), WithTokenKey(other)).Credential(ctx); err == nil {
		t.Fatal("decrypted with the wrong key")
	}
	if _, err := ParseTokenKey("c2hvcnQ="); err == nil {
		t.Fatal("accepted a short key")
	}
}
