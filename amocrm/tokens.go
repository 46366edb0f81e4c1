package amocrm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

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

// DefaultRefreshMargin is how long before expiry a token is refreshed.
const DefaultRefreshMargin = 5 * time.Minute

// refreshTimeout bounds the locked refresh, which outlives its caller's
// context: a refresh token consumed at amoCRM must reach Postgres.
const refreshTimeout = 45 * time.Second

// refreshBackoff is how long a pair that is still valid keeps being used
// after the token endpoint failed, before the next attempt.
const refreshBackoff = 30 * time.Second

// TokenSource hands out one account's access token from the amo_tokens row
// and refreshes it when it is about to expire. The refresh runs under the
// row lock, so across all processes at most one refresh happens per pair;
// the others wait for the lock and take the new pair. Within a process a
// single goroutine goes to Postgres at a time and the token is cached.
//
// Make one per account per process and share it between clients.
// TokenSource implements Credentials and oauth2.TokenSource.
type TokenSource struct {
	db     *store.DB
	acct   Account
	hc     *http.Client
	key    *TokenKey
	margin time.Duration
	now    func() time.Time

	slow chan struct{} // held by the goroutine reading or refreshing the row

	mu    sync.Mutex
	cache cached
}

type cached struct {
	Credential
	refreshable bool
	ok          bool
	// retryAt defers the next refresh attempt after the token endpoint
	// failed while this pair was still valid.
	retryAt time.Time
}

// TokenOption configures a TokenSource, ExchangeCode or StoreLongLivedToken.
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	hc     *http.Client
	key    *TokenKey
	margin time.Duration
	now    func() time.Time
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

// withClock lets tests move time.
func withClock(now func() time.Time) TokenOption {
	return func(c *tokenConfig) { c.now = now }
}

func newTokenConfig(opts []TokenOption) tokenConfig {
	c := tokenConfig{margin: DefaultRefreshMargin, now: time.Now}
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
	return &TokenSource{
		db: db, acct: acct, hc: c.hc, key: c.key, margin: c.margin, now: c.now,
		slow: make(chan struct{}, 1),
	}
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

// Credential returns the cached token while it is not within the refresh
// margin of expiry; otherwise it re-reads the row and refreshes if needed.
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
// other unexpired pair; otherwise a pair outside the refresh margin (a
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
	return c.ExpiresAt.After(now.Add(ts.margin))
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
	if row.NeedsReauth != "" {
		ts.remember(cached{}) // re-read next time: an operator may fix it meanwhile
		return Credential{}, &ReauthError{Account: ts.acct.Name, Reason: row.NeedsReauth}
	}
	ts.remember(c)
	if ts.usable(c, rejected) {
		return c.Credential, nil
	}
	return ts.refresh(ctx, c.Version, rejected != nil)
}

// refresh takes the row lock and, unless the pair changed since version was
// read or is still good, exchanges the refresh token for a new pair, stores
// it and commits before handing it out.
func (ts *TokenSource) refresh(ctx context.Context, version int64, forced bool) (Credential, error) {
	var (
		out    cached
		reauth *ReauthError
		got    *issued // a pair amoCRM issued, in case the commit fails
		locked int64   // the version that pair replaces
		before cached  // the row as locked
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
			reauth = &ReauthError{Account: ts.acct.Name, Reason: row.NeedsReauth}
			return nil
		}
		now := ts.now()
		refreshToken, _ := ts.key.open(ts.acct.Name, "refresh_token", row.RefreshToken)
		switch {
		case row.Version != version && c.ExpiresAt.After(now):
			out = c // someone refreshed while we waited for the lock
			return nil
		case !forced && c.ExpiresAt.After(now.Add(ts.margin)):
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
			reauth = &ReauthError{Account: ts.acct.Name, Reason: reason}
			return tx.MarkNeedsReauth(wctx, reason)
		}
		p, err := requestToken(wctx, ts.hc, ts.acct, map[string]string{
			"grant_type": "refresh_token", "refresh_token": refreshToken,
		})
		var rg *rejectedGrant
		if errors.As(err, &rg) {
			reauth = &ReauthError{Account: ts.acct.Name, Reason: rg.reason()}
			return tx.MarkNeedsReauth(wctx, rg.reason())
		}
		if err != nil {
			return err
		}
		got = &p
		nt, err := tx.Replace(wctx, ts.seal("access_token", p.access), ts.seal("refresh_token", p.refresh), p.expiresAt)
		if err != nil {
			return err
		}
		out = cached{Credential: Credential{p.access, nt.Version, p.expiresAt}, refreshable: p.refresh != "", ok: true}
		return nil
	})
	if err != nil && got != nil {
		// The old refresh token is spent: persisting the new pair is the
		// only way not to lock the account out.
		out, err = ts.persistOrphan(ctx, locked, *got, err)
	}
	if err != nil && got == nil && !forced && IsRetryable(err) && before.ok && before.ExpiresAt.After(ts.now()) {
		// The endpoint failed inside the margin: keep using the valid pair.
		before.retryAt = ts.now().Add(refreshBackoff)
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
	ts.remember(out)
	return out.Credential, nil
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
	return cached{Credential: Credential{p.access, nt.Version, p.expiresAt}, refreshable: p.refresh != "", ok: true}, nil
}

func (ts *TokenSource) decode(row store.Token) (cached, error) {
	access, err := ts.key.open(ts.acct.Name, "access_token", row.AccessToken)
	if err == nil {
		_, err = ts.key.open(ts.acct.Name, "refresh_token", row.RefreshToken)
	}
	if err != nil {
		return cached{}, fmt.Errorf("amocrm: account %s: %v", ts.acct.Name, err)
	}
	return cached{Credential: Credential{access, row.Version, row.ExpiresAt}, refreshable: row.RefreshToken != "", ok: true}, nil
}

func (ts *TokenSource) seal(column, v string) string { return ts.key.seal(ts.acct.Name, column, v) }

// storeError classifies a failure around the token row: a missing row needs
// an operator, Postgres trouble is worth retrying.
func (ts *TokenSource) storeError(err error) error {
	var e *Error
	var r *ReauthError
	switch {
	case errors.Is(err, store.ErrNoToken):
		return &ReauthError{Account: ts.acct.Name, Reason: "no token stored; authorize the integration"}
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
	if errors.As(err, &rg) {
		return &ReauthError{Account: acct.Name, Reason: fmt.Sprintf("authorization code rejected (HTTP %d)", rg.status)}
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
