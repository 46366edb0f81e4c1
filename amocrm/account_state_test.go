package amocrm

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"amoflow/amofake"
	"amoflow/metrics"
	"amoflow/store"
	"amoflow/store/storetest"
)

// stateEnv is one fake amoCRM account authorized into a fresh database.
type stateEnv struct {
	fake *amofake.Server
	db   *store.DB
	url  string // the database's URL, for a second connection
	acct Account
}

func newStateEnv(t *testing.T, name string) *stateEnv {
	t.Helper()
	fake := amofake.New(amofake.Config{RPS: -1, Accounts: []amofake.AccountConfig{{
		Subdomain: fakeSub, AccountID: 28395871, ClientID: "cid", ClientSecret: "secret",
		Users: []amofake.User{{ID: 2576764, Name: "Manager"}},
	}}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	url := storetest.NewURL(t)
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	acct := fakeAccount(srv.URL + "/" + fakeSub)
	acct.Name = name // the gauges are process-wide: one account name per test
	if err := ExchangeCode(context.Background(), db, acct, "code"); err != nil {
		t.Fatal(err)
	}
	return &stateEnv{fake: fake, db: db, url: url, acct: acct}
}

func (e *stateEnv) row(t *testing.T) store.Token {
	t.Helper()
	r, err := e.db.Token(context.Background(), e.acct.Name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// age makes the stored pair look issued long ago, so it is due for a refresh.
func (e *stateEnv) age(t *testing.T) {
	t.Helper()
	if _, err := e.db.Pool.Exec(context.Background(),
		`UPDATE amo_tokens SET issued_at = now() - interval '20 hours', expires_at = now() + interval '4 hours'`); err != nil {
		t.Fatal(err)
	}
}

func (e *stateEnv) client(ts *TokenSource, opts ...Option) *Client {
	return New(e.acct, ts, append([]Option{WithLimiter(rate.NewLimiter(rate.Inf, 1))}, opts...)...)
}

func TestRefreshAtFractionOfLifetime(t *testing.T) {
	e := newStateEnv(t, "fraction")
	ctx := context.Background()
	// Issued an hour ago, 24 h lifetime: not due at a half, due at a 1/48.
	_, _ = e.db.Pool.Exec(ctx, `UPDATE amo_tokens SET issued_at = now() - interval '1 hour', expires_at = now() + interval '23 hours'`)
	if c, err := NewTokenSource(e.db, e.acct).Credential(ctx); err != nil || c.Version != 1 {
		t.Fatalf("at 1/24 of the lifetime: %v %v; want the stored pair", c, err)
	}
	if c, err := NewTokenSource(e.db, e.acct, WithRefreshFraction(1.0/48)).Credential(ctx); err != nil || c.Version != 2 {
		t.Fatalf("fraction 1/48: %v %v; want a refreshed pair", c, err)
	}
	r := e.row(t)
	if time.Since(r.IssuedAt) > time.Minute || r.RefreshError != "" {
		t.Fatalf("issued_at %v, refresh error %q after the refresh", r.IssuedAt, r.RefreshError)
	}
}

// A rotation lost on the way back (the fake issues the new pair, then
// hangs up) leaves the old access token working: it is used, the retry
// finds the refresh token revoked, the account is marked, and only when the
// old token expires does work pause — until an operator authorizes again.
func TestLostRotationKeepsOldTokenThenPauses(t *testing.T) {
	e := newStateEnv(t, "lostrotation")
	ctx := context.Background()
	e.age(t)
	now := time.Now()
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	ts := NewTokenSource(e.db, e.acct, withClock(clock), WithRefreshRetry(time.Minute), WithPauseRetry(3*time.Second))
	c := e.client(ts)
	gauge := func() float64 { return testutil.ToFloat64(metrics.AccountNeedsReauth.WithLabelValues(e.acct.Name)) }

	e.fake.SetFaults(fakeSub, amofake.Faults{DropRefreshAnswer: 1})
	if _, err := c.Users(ctx); err != nil {
		t.Fatalf("call during the lost rotation: %v", err)
	}
	r := e.row(t)
	if r.Version != 1 || r.NeedsReauth != "" || r.RefreshError == "" {
		t.Fatalf("after the dropped answer: version %d, mark %q, refresh error %q", r.Version, r.NeedsReauth, r.RefreshError)
	}
	// The next attempt, a retry interval later, finds the grant spent.
	clockMu.Lock()
	now = now.Add(2 * time.Minute)
	clockMu.Unlock()
	if _, err := c.Users(ctx); err != nil {
		t.Fatalf("call with the grant spent, old token valid: %v", err)
	}
	if r = e.row(t); r.NeedsReauth != "refresh token revoked" || gauge() != 1 {
		t.Fatalf("mark %q, gauge %v; want revoked and 1", r.NeedsReauth, gauge())
	}
	// A second process sees the mark and still uses the old token.
	if _, err := e.client(NewTokenSource(e.db, e.acct)).Users(ctx); err != nil {
		t.Fatalf("second process, old token valid: %v", err)
	}
	// The old token runs out (a day later): work pauses, with a readable reason.
	clockMu.Lock()
	now = now.Add(25 * time.Hour)
	clockMu.Unlock()
	_, err := c.Users(ctx)
	p, ok := Paused(err)
	if !ok || p.Type != "AmoAccountPaused" || p.RetryIn != 3*time.Second ||
		p.Message != "account lostrotation needs re-authorization (refresh token revoked): run amoflow auth url --account lostrotation" {
		t.Fatalf("after expiry: %v → %+v %v", err, p, ok)
	}
	// The operator authorizes again; the same source picks the new pair up.
	clockMu.Lock()
	now = time.Now()
	clockMu.Unlock()
	if err := ExchangeCode(ctx, e.db, e.acct, "code"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users(ctx); err != nil || gauge() != 0 {
		t.Fatalf("after re-authorization: %v, gauge %v", err, gauge())
	}
}

// killTx ends the session holding the token row lock, as a lost Postgres
// connection would, between amoCRM issuing a pair and its commit.
func killTx(t *testing.T, url string) {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("terminated %d sessions: %v", n, err)
	}
}

// The refresh succeeds at amoCRM but its transaction dies: the new pair is
// written outside it (persistOrphan), so the spent refresh token does not
// lock the account out.
func TestRefreshedPairSurvivesFailedCommit(t *testing.T) {
	e := newStateEnv(t, "orphan")
	ctx := context.Background()
	e.age(t)
	ts := NewTokenSource(e.db, e.acct)
	ts.hook = &testHooks{afterIssue: func() { killTx(t, e.url) }}
	cred, err := ts.Credential(ctx)
	if err != nil || cred.Version != 2 {
		t.Fatalf("credential %v, %v; want the orphaned pair, stored", cred, err)
	}
	r := e.row(t)
	if r.Version != 2 || r.NeedsReauth != "" {
		t.Fatalf("row version %d mark %q", r.Version, r.NeedsReauth)
	}
	// The stored refresh token is the live one: another refresh works.
	ts2 := NewTokenSource(e.db, e.acct, WithRefreshFraction(0.001))
	e.age(t)
	if c, err := ts2.Credential(ctx); err != nil || c.Version != 3 {
		t.Fatalf("refresh with the orphan's refresh token: %v %v", c, err)
	}
	if _, err := e.client(ts2).Users(ctx); err != nil {
		t.Fatal(err)
	}
}

// If someone else replaced the pair meanwhile (an operator), the orphan is
// not written over it, and the caller is told.
func TestOrphanDoesNotOverwriteNewerPair(t *testing.T) {
	e := newStateEnv(t, "orphan2")
	ctx := context.Background()
	e.age(t)
	ts := NewTokenSource(e.db, e.acct)
	ts.hook = &testHooks{afterIssue: func() {
		killTx(t, e.url)
		if err := ExchangeCode(ctx, e.db, e.acct, "operator"); err != nil {
			t.Error(err)
		}
	}}
	_, err := ts.Credential(ctx)
	if err == nil || !strings.Contains(err.Error(), "could not be stored") {
		t.Fatalf("err = %v", err)
	}
	if r := e.row(t); r.Version != 2 {
		t.Fatalf("row version %d, want the operator's 2", r.Version)
	}
	if _, err := e.client(NewTokenSource(e.db, e.acct)).Users(ctx); err != nil {
		t.Fatalf("operator's pair: %v", err)
	}
}

// A 403 opens the breaker for every process of the account: nothing more
// reaches amoCRM during the cool-down, exactly one probe after it, and the
// probe that gets through closes it.
func TestBreakerSharedAcrossProcesses(t *testing.T) {
	e := newStateEnv(t, "blocked")
	ctx := context.Background()
	const cool = 700 * time.Millisecond
	var clients []*Client
	for range 3 { // three processes
		clients = append(clients, e.client(NewTokenSource(e.db, e.acct), WithBreaker(NewBreaker(e.db, e.acct.Name, cool))))
	}
	gauge := func() float64 { return testutil.ToFloat64(metrics.AccountBlocked.WithLabelValues(e.acct.Name)) }
	calls := func() int { return e.fake.CallCount(fakeSub, usersCall) }

	e.fake.SetFaults(fakeSub, amofake.Faults{Blocked: true})
	var be *BlockedError
	if _, err := clients[0].Users(ctx); !errors.As(err, &be) || gauge() != 1 {
		t.Fatalf("first 403: %v, gauge %v", err, gauge())
	}
	before := calls()
	for _, c := range clients {
		// A process that finds another one probing waits at least a second
		// (breaker.go), which is longer than this test's cool-down.
		if _, err := c.Users(ctx); !errors.As(err, &be) || be.Wait <= 0 || be.Wait > max(cool, time.Second) {
			t.Fatalf("during the cool-down: %v", err)
		}
	}
	if calls() != before {
		t.Fatalf("%d requests reached amoCRM during the cool-down", calls()-before)
	}
	// After the cool-down, many callers in every process: one probe.
	time.Sleep(cool + 100*time.Millisecond)
	var wg sync.WaitGroup
	var blocked atomic.Int32
	for _, c := range clients {
		for range 5 {
			wg.Go(func() {
				if _, err := c.Users(ctx); errors.As(err, new(*BlockedError)) {
					blocked.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if calls() != before+1 || blocked.Load() != 15 {
		t.Fatalf("%d probes, %d callers blocked; want 1 and 15", calls()-before, blocked.Load())
	}
	// amoCRM lifts the block: the next probe closes the breaker for all.
	e.fake.SetFaults(fakeSub, amofake.Faults{})
	time.Sleep(cool + 100*time.Millisecond)
	if _, err := clients[1].Users(ctx); err != nil {
		t.Fatalf("probe after the block was lifted: %v", err)
	}
	time.Sleep(breakerRecheck) // the other processes re-read the row
	for _, c := range clients {
		if _, err := c.Users(ctx); err != nil {
			t.Fatalf("after the breaker closed: %v", err)
		}
	}
	if gauge() != 0 {
		t.Fatalf("gauge %v after the breaker closed", gauge())
	}
	if _, ok, _ := e.db.Breaker(ctx, e.acct.Name); ok {
		t.Fatal("breaker row left behind")
	}
}

// Postgres being away does not stop amoCRM calls through a closed breaker.
func TestBreakerFailsOpenWithoutPostgres(t *testing.T) {
	e := newStateEnv(t, "breaker-nopg")
	ctx := context.Background()
	ts := NewTokenSource(e.db, e.acct)
	if _, err := ts.Credential(ctx); err != nil { // cache the token first
		t.Fatal(err)
	}
	gone, err := store.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	c := e.client(ts, WithBreaker(NewBreaker(gone, e.acct.Name, time.Minute)))
	if _, err := c.Users(ctx); err != nil {
		t.Fatalf("call with Postgres away: %v", err)
	}
	// A 403 still stops this process's calls.
	e.fake.SetFaults(fakeSub, amofake.Faults{Blocked: true})
	if _, err := c.Users(ctx); !errors.As(err, new(*BlockedError)) {
		t.Fatalf("403 with Postgres away: %v", err)
	}
	before := e.fake.CallCount(fakeSub, usersCall)
	if _, err := c.Users(ctx); !errors.As(err, new(*BlockedError)) || e.fake.CallCount(fakeSub, usersCall) != before {
		t.Fatalf("during the cool-down with Postgres away: %v", err)
	}
}
