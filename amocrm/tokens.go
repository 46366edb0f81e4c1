package amocrm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/prometheus/client_golang/prometheus"

	"amoflow/metrics"
	"amoflow/store"
)

// Credential is an access token and the version of the stored pair it came
// from. Its String method hides the token.
type Credential struct {
	AccessToken string
	Version     int64
	ExpiresAt   time.Time
}

func (c Credential) String() string { return fmt.Sprintf("amocrm.Credential{v%d}", c.Version) }

// GoString hides the token from %#v as well.
func (c Credential) GoString() string { return c.String() }

// Credentials supplies access tokens to a Client. *TokenSource implements it.
type Credentials interface {
	// Credential returns a token that is not about to expire.
	Credential(ctx context.Context) (Credential, error)
	// Renew is called once after the API refused rejected with 401. It
	// returns a newer token: someone else's if the pair changed since
	// rejected was handed out, else a freshly refreshed one.
	Renew(ctx context.Context, rejected Credential) (Credential, error)
}

// DefaultRefreshFraction is the share of an access token's lifetime after
// which it is refreshed: half of amoCRM's 24 hours leaves 12 hours in which
// a lost rotation (the new pair issued, the answer lost) can be noticed and
// fixed by an operator while the old access token still works.
const DefaultRefreshFraction = 0.5

// DefaultRefreshMargin is the latest a token is refreshed before expiry,
// whatever the fraction, and the only rule for a row whose issue time is
// unknown.
const DefaultRefreshMargin = 5 * time.Minute

// DefaultRefreshRetry is how long a pair that is still valid keeps being
// used after a refresh failed, before the next attempt; also how often a
// process re-reads the row of an account marked for re-authorization.
const DefaultRefreshRetry = 30 * time.Second

// DefaultPauseRetry is when a paused activity (account needs
// re-authorization or has a bad configuration) tries again; a paused flow
// resumes at most this long after the operator's fix.
const DefaultPauseRetry = 30 * time.Second

// refreshTimeout bounds the locked refresh, which outlives its caller's
// context: a refresh token consumed at amoCRM must reach Postgres.
const refreshTimeout = 45 * time.Second

// TokenSource hands out one account's access token from the amo_tokens row
// and refreshes it when it is about to expire. The refresh runs under the
// row lock, so across all processes at most one refresh happens per pair;
// the others wait for the lock and take the new pair. Within a process a
// single goroutine goes to Postgres at a time and the token is cached.
//
// Make one per account per process and share it between clients.
// TokenSource implements Credentials and oauth2.TokenSource.
type TokenSource struct {
	db   *store.DB
	acct Account
	hc   *http.Client
	key  *TokenKey
	tokenConfig

	slow chan struct{} // held by the goroutine reading or refreshing the row
	hook *testHooks

	mu    sync.Mutex
	cache cached
}

type cached struct {
	Credential
	refreshable bool
	ok          bool
	// refreshAt is when the pair is due for a refresh.
	refreshAt time.Time
	// retryAt defers the next refresh attempt (or, for a pair marked for
	// re-authorization, the next read of the row) while this pair is valid.
	retryAt time.Time
}

// TokenOption configures a TokenSource, ExchangeCode or StoreLongLivedToken.
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	hc       *http.Client
	key      *TokenKey
	margin   time.Duration
	fraction float64
	retry    time.Duration
	pause    time.Duration
	now      func() time.Time
}

// WithTokenHTTPClient sets the client used for the token endpoint.
func WithTokenHTTPClient(hc *http.Client) TokenOption {
	return func(c *tokenConfig) { c.hc = hc }
}

// WithTokenKey encrypts tokens at rest (see ParseTokenKey); nil disables it.
func WithTokenKey(k *TokenKey) TokenOption {
	return func(c *tokenConfig) { c.key = k }
}

// WithRefreshMargin overrides DefaultRefreshMargin.
func WithRefreshMargin(d time.Duration) TokenOption {
	return func(c *tokenConfig) { c.margin = d }
}

// WithRefreshFraction overrides DefaultRefreshFraction (0 < f < 1).
func WithRefreshFraction(f float64) TokenOption {
	return func(c *tokenConfig) {
		if f > 0 && f < 1 {
			c.fraction = f
		}
	}
}

// WithRefreshRetry overrides DefaultRefreshRetry.
func WithRefreshRetry(d time.Duration) TokenOption {
	return func(c *tokenConfig) {
		if d > 0 {
			c.retry = d
		}
	}
}

// WithPauseRetry overrides DefaultPauseRetry.
func WithPauseRetry(d time.Duration) TokenOption {
	return func(c *tokenConfig) {
		if d > 0 {
			c.pause = d
		}
	}
}

// withClock lets tests move time.
func withClock(now func() time.Time) TokenOption {
	return func(c *tokenConfig) { c.now = now }
}

func newTokenConfig(opts []TokenOption) tokenConfig {
	c := tokenConfig{margin: DefaultRefreshMargin, fraction: DefaultRefreshFraction,
		retry: DefaultRefreshRetry, pause: DefaultPauseRetry, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if c.hc == nil {
		c.hc = newHTTPClient()
	}
	return c
}

// NewTokenSource returns the token source of acct, whose row is keyed by acct.Name.
func NewTokenSource(db *store.DB, acct Account, opts ...TokenOption) *TokenSource {
	c := newTokenConfig(opts)
	return &TokenSource{db: db, acct: acct, hc: c.hc, key: c.key, tokenConfig: c, slow: make(chan struct{}, 1)}
}

// Token implements oauth2.TokenSource. It carries no refresh token: only
// TokenSource refreshes.
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	c, err := ts.Credential(context.Background())
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: c.AccessToken, TokenType: "Bearer", Expiry: c.ExpiresAt}, nil
}

// Credential returns the cached token until it is due for a refresh;
// otherwise it re-reads the row and refreshes if needed. A pair whose
// refresh failed is used until it expires; only then does the account's
// work pause (ReauthError or ConfigError).
func (ts *TokenSource) Credential(ctx context.Context) (Credential, error) {
	if c := ts.cached(); ts.usable(c, nil) {
		return c.Credential, nil
	}
	return ts.renew(ctx, nil)
}

// Renew forces a refresh after a 401, unless the pair has changed since
// rejected was handed out: then it returns the newer pair.
func (ts *TokenSource) Renew(ctx context.Context, rejected Credential) (Credential, error) {
	return ts.renew(ctx, &rejected)
}

func (ts *TokenSource) cached() cached {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.cache
}

func (ts *TokenSource) remember(c cached) {
	ts.mu.Lock()
	ts.cache = c
	ts.mu.Unlock()
}

// usable reports whether c may be handed out: for a rejected token, any
// other unexpired pair; otherwise a pair not yet due for a refresh (a
// long-lived token, which cannot be refreshed, until it expires).
func (ts *TokenSource) usable(c cached, rejected *Credential) bool {
	if !c.ok {
		return false
	}
	now := ts.now()
	switch {
	case rejected != nil:
		return c.Version != rejected.Version && c.ExpiresAt.After(now)
	case !c.refreshable, now.Before(c.retryAt):
		return c.ExpiresAt.After(now)
	}
	return now.Before(c.refreshAt) && c.ExpiresAt.After(now)
}

// dueAt is when a pair is refreshed: at the configured fraction of its
// lifetime, and at the latest the margin before it expires.
func (ts *TokenSource) dueAt(row store.Token) time.Time {
	late := row.ExpiresAt.Add(-ts.margin)
	if row.IssuedAt.IsZero() || !row.ExpiresAt.After(row.IssuedAt) {
		return late
	}
	life := row.ExpiresAt.Sub(row.IssuedAt)
	due := row.IssuedAt.Add(time.Duration(float64(life) * ts.fraction))
	if due.After(late) && ts.margin < life/2 {
		return late // a fraction close to 1; a short-lived pair keeps its fraction
	}
	return due
}

func (ts *TokenSource) renew(ctx context.Context, rejected *Credential) (Credential, error) {
	// Waiters find the winner's result in the cache.
	select {
	case ts.slow <- struct{}{}:
	case <-ctx.Done():
		return Credential{}, ctx.Err()
	}
	defer func() { <-ts.slow }()
	if c := ts.cached(); ts.usable(c, rejected) {
		return c.Credential, nil
	}

	// Another process may have refreshed: a plain read is enough to find out.
	row, err := ts.db.Token(ctx, ts.acct.Name)
	if err != nil {
		return Credential{}, ts.storeError(err)
	}
	c, err := ts.decode(row)
	if err != nil {
		return Credential{}, err
	}
	ts.noteReauth(row.NeedsReauth)
	if row.NeedsReauth != "" {
		return ts.marked(c, rejected, row.NeedsReauth)
	}
	ts.remember(c)
	if ts.usable(c, rejected) {
		return c.Credential, nil
	}
	return ts.refresh(ctx, c.Version, rejected != nil)
}

// marked hands out the pair of an account marked for re-authorization
// while it still works, re-reading the row every retry interval to notice
// the operator's fix; once it is gone the account's work pauses.
func (ts *TokenSource) marked(c cached, rejected *Credential, reason string) (Credential, error) {
	now := ts.now()
	if c.ExpiresAt.After(now) && (rejected == nil || rejected.Version != c.Version) {
		c.retryAt = now.Add(ts.retry)
		c.refreshAt = c.retryAt // re-read then, whatever the pair's own schedule
		ts.remember(c)
		return c.Credential, nil
	}
	ts.remember(cached{}) // re-read next time: an operator may fix it meanwhile
	return Credential{}, ts.reauth(reason)
}

func (ts *TokenSource) reauth(reason string) *ReauthError {
	return &ReauthError{Account: ts.acct.Name, Reason: reason, RetryIn: ts.pause}
}

// noteReauth sets the needs-reauth gauge from a row just read.
func (ts *TokenSource) noteReauth(reason string) {
	v := 0.0
	if reason != "" {
		v = 1
	}
	metrics.AccountNeedsReauth.WithLabelValues(ts.acct.Name).Set(v)
}

// refresh takes the row lock and, unless the pair changed since version was
// read or is still good, exchanges the refresh token for a new pair, stores
// it and commits before handing it out.
//
// When the refresh fails, the pair as locked is handed out while it still
// works (unless amoCRM just rejected it): a lost rotation or a bad client
// secret leaves hours to fix it before any work pauses. Only a rejected
// grant marks the row for re-authorization.
func (ts *TokenSource) refresh(ctx context.Context, version int64, forced bool) (Credential, error) {
	var (
		out     cached
		reauth  *ReauthError
		badConf *ConfigError
		got     *issued // a pair amoCRM issued, in case the commit fails
		locked  int64   // the version that pair replaces
		before  cached  // the row as locked
		tried   bool    // the token endpoint was asked
	)
	err := ts.db.LockToken(ctx, ts.acct.Name, func(tx *store.TokenTx) error {
		// The caller's context only bounds the wait for the lock.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		row := tx.Token
		locked = row.Version
		c, err := ts.decode(row)
		if err != nil {
			return err
		}
		before = c
		if row.NeedsReauth != "" {
			reauth = ts.reauth(row.NeedsReauth)
			return nil
		}
		now := ts.now()
		refreshToken, _ := ts.key.open(ts.acct.Name, "refresh_token", row.RefreshToken)
		switch {
		case row.Version != version && c.ExpiresAt.After(now):
			out = c // someone refreshed while we waited for the lock
			return nil
		case !forced && now.Before(c.refreshAt) && c.ExpiresAt.After(now):
			out = c
			return nil
		case refreshToken == "" && !forced && c.ExpiresAt.After(now):
			out = c // long-lived: good until it expires
			return nil
		case refreshToken == "":
			reason := "long-lived token expired"
			if forced {
				reason = "long-lived token rejected by amoCRM"
			}
			reauth = ts.reauth(reason)
			return tx.MarkNeedsReauth(wctx, reason)
		}
		if ts.hook != nil && ts.hook.beforeRefresh != nil {
			ts.hook.beforeRefresh()
		}
		tried = true
		p, err := requestToken(wctx, ts.hc, ts.acct, map[string]string{
			"grant_type": "refresh_token", "refresh_token": refreshToken,
		})
		var rg *rejectedGrant
		if errors.As(err, &rg) {
			if rg.badClient() {
				// Our configuration, not the grant: nothing to mark, the
				// refresh token is still good once the config is fixed.
				badConf = &ConfigError{Account: ts.acct.Name, Reason: rg.reason(), RetryIn: ts.pause}
				return nil
			}
			reauth = ts.reauth(rg.reason())
			return tx.MarkNeedsReauth(wctx, rg.reason())
		}
		if err != nil {
			return err
		}
		got = &p
		if ts.hook != nil && ts.hook.afterIssue != nil {
			ts.hook.afterIssue()
		}
		nt, err := tx.Replace(wctx, ts.seal("access_token", p.access), ts.seal("refresh_token", p.refresh), p.expiresAt)
		if err != nil {
			return err
		}
		out = ts.fromRow(nt, p.access)
		return nil
	})
	if err != nil && got != nil {
		// The old refresh token is spent: persisting the new pair is the
		// only way not to lock the account out.
		out, err = ts.persistOrphan(ctx, locked, *got, err)
	}
	ts.countRefresh(tried, got != nil && err == nil, reauth, badConf, err)
	if tried && (err != nil || reauth != nil || badConf != nil) {
		reason := ""
		switch {
		case reauth != nil:
			reason = reauth.Reason
		case badConf != nil:
			reason = badConf.Reason
		default:
			reason = err.Error()
		}
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = ts.db.NoteRefreshError(nctx, ts.acct.Name, reason) // best effort: for auth status
		cancel()
	}
	if reauth != nil {
		ts.noteReauth(reauth.Reason)
	}
	// Keep using the pair as locked while it works and amoCRM did not just
	// reject it: a transient endpoint failure, a lost rotation (its next
	// attempt is "revoked") or a bad client secret.
	keep := before.ok && !forced && before.ExpiresAt.After(ts.now()) &&
		(reauth != nil || badConf != nil || (err != nil && got == nil && IsRetryable(err)))
	if keep {
		before.retryAt = ts.now().Add(ts.retry)
		ts.remember(before)
		return before.Credential, nil
	}
	if err != nil {
		if errors.Is(err, store.ErrNoToken) {
			ts.remember(cached{})
		}
		return Credential{}, ts.storeError(err)
	}
	if reauth != nil {
		ts.remember(cached{})
		return Credential{}, reauth
	}
	if badConf != nil {
		ts.remember(cached{})
		return Credential{}, badConf
	}
	ts.remember(out)
	return out.Credential, nil
}

// refreshes counts refresh attempts by outcome: ok, rejected (the grant is
// revoked or invalid: needs re-authorization), misconfigured (amoCRM rejects
// the client credentials) or failed (no usable answer; retried).
var refreshes = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "amoflow_token_refreshes_total",
	Help: "amoCRM token refreshes by account and result (ok, rejected, misconfigured, failed).",
}, []string{"account", "result"}))

func (ts *TokenSource) countRefresh(tried, ok bool, reauth *ReauthError, badConf *ConfigError, err error) {
	if !tried {
		return
	}
	result := "failed"
	switch {
	case ok:
		result = "ok"
	case reauth != nil:
		result = "rejected"
	case badConf != nil:
		result = "misconfigured"
	}
	refreshes.WithLabelValues(ts.acct.Name, result).Inc()
}

// persistOrphan stores a refreshed pair whose locked transaction failed,
// if the row still holds the pair that was refreshed.
func (ts *TokenSource) persistOrphan(ctx context.Context, version int64, p issued, cause error) (cached, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	nt, ok, err := ts.db.ReplaceTokenIf(wctx, ts.acct.Name, version,
		ts.seal("access_token", p.access), ts.seal("refresh_token", p.refresh), p.expiresAt)
	if err != nil || !ok {
		return cached{}, fmt.Errorf("amocrm: account %s: refreshed token pair could not be stored: %w", ts.acct.Name, cause)
	}
	return ts.fromRow(nt, p.access), nil
}

// fromRow is the cache entry of a row just written with access in clear.
func (ts *TokenSource) fromRow(row store.Token, access string) cached {
	return cached{Credential: Credential{access, row.Version, row.ExpiresAt},
		refreshable: row.RefreshToken != "", ok: true, refreshAt: ts.dueAt(row)}
}

// testHooks let tests act between the steps of a refresh.
type testHooks struct {
	beforeRefresh func() // the lock is held, the token endpoint not yet asked
	afterIssue    func() // amoCRM issued a pair, not yet written
}

func (ts *TokenSource) decode(row store.Token) (cached, error) {
	access, err := ts.key.open(ts.acct.Name, "access_token", row.AccessToken)
	if err == nil {
		_, err = ts.key.open(ts.acct.Name, "refresh_token", row.RefreshToken)
	}
	if err != nil {
		return cached{}, fmt.Errorf("amocrm: account %s: %v", ts.acct.Name, err)
	}
	return cached{Credential: Credential{access, row.Version, row.ExpiresAt}, refreshable: row.RefreshToken != "", ok: true,
		refreshAt: ts.dueAt(row)}, nil
}

func (ts *TokenSource) seal(column, v string) string { return ts.key.seal(ts.acct.Name, column, v) }

// storeError classifies a failure around the token row: a missing row needs
// an operator, Postgres trouble is worth retrying.
func (ts *TokenSource) storeError(err error) error {
	var e *Error
	var r *ReauthError
	switch {
	case errors.Is(err, store.ErrNoToken):
		return ts.reauth("no token stored; authorize the integration")
	case errors.As(err, &e), errors.As(err, &r), errors.Is(err, context.Canceled):
		return err
	}
	return &Error{Op: "token store", Err: err}
}

// ExchangeCode trades an authorization code for a token pair and stores it,
// replacing whatever the account had and clearing its re-authorization mark.
func ExchangeCode(ctx context.Context, db *store.DB, acct Account, code string, opts ...TokenOption) error {
	c := newTokenConfig(opts)
	p, err := requestToken(ctx, c.hc, acct, map[string]string{"grant_type": "authorization_code", "code": code})
	var rg *rejectedGrant
	if errors.As(err, &rg) && rg.badClient() {
		return &ConfigError{Account: acct.Name, Reason: rg.reason(), RetryIn: c.pause}
	}
	if errors.As(err, &rg) {
		return &ReauthError{Account: acct.Name, Reason: fmt.Sprintf("authorization code rejected (HTTP %d)", rg.status), RetryIn: c.pause}
	}
	if err != nil {
		return err
	}
	// The code is spent now: store the pair even if the caller gives up.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	_, err = db.PutToken(wctx, acct.Name,
		c.key.seal(acct.Name, "access_token", p.access), c.key.seal(acct.Name, "refresh_token", p.refresh), p.expiresAt)
	return err
}

// StoreLongLivedToken stores a private integration's long-lived token. It
// has no refresh token: after expiresAt calls fail with ErrReauthRequired.
func StoreLongLivedToken(ctx context.Context, db *store.DB, acct Account, token string, expiresAt time.Time, opts ...TokenOption) error {
	if token == "" {
		return errors.New("amocrm: empty long-lived token")
	}
	c := newTokenConfig(opts)
	_, err := db.PutToken(ctx, acct.Name, c.key.seal(acct.Name, "access_token", token), "", expiresAt)
	return err
}
