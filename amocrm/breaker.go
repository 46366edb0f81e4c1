package amocrm

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"amoflow/metrics"
	"amoflow/store"
)

// DefaultBlockCooldown is how long an account blocked by amoCRM (403 after
// too many 429s) rests between probes. One probe a minute costs amoCRM one
// request a minute and lets work resume within a minute of the unblock
// (five minutes left the account idle for minutes after a short block).
const DefaultBlockCooldown = time.Minute

// breakerRecheck is how long a process trusts its last read of the breaker
// row before reading it again.
const breakerRecheck = time.Second

// Breaker is an account's circuit breaker, shared by every process through
// the amo_breakers row: a 403 opens it for a cool-down during which no
// request of the account leaves any process; after the cool-down exactly one
// process (the one that moves the row's deadline forward) sends a probe,
// and a probe that gets through closes it. Make one per account per process
// and share it between the account's clients.
type Breaker struct {
	db       *store.DB
	account  string
	cooldown time.Duration

	mu     sync.Mutex
	readAt time.Time // zero: never read
	open   bool
	since  time.Time
	until  time.Time // by this process's clock
}

// NewBreaker returns the breaker of account; cooldown ≤ 0 means DefaultBlockCooldown.
func NewBreaker(db *store.DB, account string, cooldown time.Duration) *Breaker {
	if cooldown <= 0 {
		cooldown = DefaultBlockCooldown
	}
	return &Breaker{db: db, account: account, cooldown: cooldown}
}

// WithBreaker makes the client respect and trip the account's breaker.
func WithBreaker(b *Breaker) Option {
	return func(c *Client) { c.breaker = b }
}

// admit lets a request go unless the account is cooling down; probe is true
// when this request is the cool-down's one probe.
func (b *Breaker) admit(ctx context.Context) (probe bool, err error) {
	now := time.Now()
	b.mu.Lock()
	fresh := !b.readAt.IsZero() && now.Sub(b.readAt) < breakerRecheck
	open, until, since := b.open, b.until, b.since
	b.mu.Unlock()
	if !fresh {
		// Postgres being away must not stop amoCRM work: keep the last
		// known state (closed if never read) until it answers again.
		if row, ok, err := b.db.Breaker(ctx, b.account); err == nil {
			open, until, since = b.set(ok, row)
		} else {
			b.keep()
		}
	}
	switch {
	case !open:
		return false, nil
	case now.Before(until):
		return false, &BlockedError{Account: b.account, Since: since, Wait: until.Sub(now)}
	}
	row, ok, err := b.db.ClaimProbe(ctx, b.account, b.cooldown)
	if err != nil {
		// Without Postgres this process probes on its own, once per cool-down.
		b.mu.Lock()
		b.until = now.Add(b.cooldown)
		b.mu.Unlock()
		return true, nil
	}
	if ok {
		b.set(true, row)
		return true, nil
	}
	// Another process probes, or its probe already closed the breaker.
	row, ok, err = b.db.Breaker(ctx, b.account)
	if err != nil {
		return false, &BlockedError{Account: b.account, Since: since, Wait: b.cooldown}
	}
	if open, until, since = b.set(ok, row); !open {
		return false, nil
	}
	return false, &BlockedError{Account: b.account, Since: since, Wait: max(time.Until(until), time.Second)}
}

// keep trusts the cached state for another recheck interval.
func (b *Breaker) keep() {
	b.mu.Lock()
	b.readAt = time.Now()
	b.mu.Unlock()
}

// stillClosed is admit's cheap second look, from this process's cache only,
// for a request that waited for the rate limiter after being admitted.
func (b *Breaker) stillClosed() error {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open && now.Before(b.until) {
		return &BlockedError{Account: b.account, Since: b.since, Wait: b.until.Sub(now)}
	}
	return nil
}

// set caches the row just read and updates the gauge.
func (b *Breaker) set(open bool, row store.Breaker) (bool, time.Time, time.Time) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.readAt, b.open, b.since, b.until = now, open, row.Since, now.Add(row.Wait)
	v := 0.0
	if open {
		v = 1
	}
	metrics.AccountBlocked.WithLabelValues(b.account).Set(v)
	return b.open, b.until, b.since
}

// trip opens the breaker after a 403 and returns the error for the caller.
func (b *Breaker) trip(ctx context.Context) error {
	row, err := b.db.TripBreaker(context.WithoutCancel(ctx), b.account, b.cooldown)
	if err != nil {
		// Postgres is away: this process at least cools down on its own.
		row = store.Breaker{Account: b.account, Since: time.Now(), Wait: b.cooldown}
	}
	_, until, since := b.set(true, row)
	return &BlockedError{Account: b.account, Since: since, Wait: time.Until(until)}
}

// passed closes the breaker after its probe got an answer other than 403.
func (b *Breaker) passed(ctx context.Context) {
	_, _ = b.db.CloseBreaker(context.WithoutCancel(ctx), b.account) // without Postgres, the next read reopens it
	b.set(false, store.Breaker{})
}

// blockedPage tells amoCRM's "account blocked" 403 (an nginx HTML page)
// from a JSON 403 about missing rights, which is a permanent error.
func blockedPage(status int, body []byte) bool {
	if status != http.StatusForbidden {
		return false
	}
	b := bytes.TrimSpace(body)
	return len(b) == 0 || b[0] == '<' || !strings.HasPrefix(string(b), "{")
}
