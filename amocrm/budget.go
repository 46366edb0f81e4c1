package amocrm

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"amoflow/store"
)

// DefaultBudgetGuard is the margin of the shared budget: rps requests are
// spaced over 1 s plus this guard, so a request may reach amoCRM up to the
// guard later than the one rps requests after it and still no 1-second
// window holds more than rps requests. At 6 rps, 40 ms costs 3.8 % of the
// budget (5.77 req/s).
const DefaultBudgetGuard = 40 * time.Millisecond

// budgetHorizon is how far ahead a request reserves its slot at most; a
// request that would wait longer sleeps and asks again, so a slot is never
// held by a request whose activity gave up meanwhile.
const budgetHorizon = 2 * time.Second

// Budget is an account's request budget, shared by every process of the
// cluster through the amo_budget row (store.ReserveRequest): every HTTP
// request to the account's API — each page, the retry after a 401, the
// marker look-ups of a retried activity — takes the next slot before it is
// sent. Slots are Interval apart, so sends are evenly spaced whatever the
// number of processes. Make one per account per process and share it between
// the account's clients.
type Budget struct {
	db      *store.DB
	account string
	// Interval is the time between two slots: (1 s + guard) / rps.
	Interval time.Duration

	warned atomic.Bool
}

// NewBudget returns the shared budget of account at rps requests per second
// (≤ 0: the default 6) with guard (≤ 0: DefaultBudgetGuard).
func NewBudget(db *store.DB, account string, rps float64, guard time.Duration) *Budget {
	return &Budget{db: db, account: account, Interval: budgetInterval(rps, guard)}
}

func budgetInterval(rps float64, guard time.Duration) time.Duration {
	if rps <= 0 {
		rps = defaultRPS
	}
	if guard <= 0 {
		guard = DefaultBudgetGuard
	}
	return time.Duration(float64(time.Second+guard) / rps)
}

// BudgetRate is the request rate a budget of rps with guard admits, per
// second: rps / (1 + guard in seconds).
func BudgetRate(rps float64, guard time.Duration) float64 {
	return float64(time.Second) / float64(budgetInterval(rps, guard))
}

// WithBudget makes the client take a slot of the shared budget before every
// request, instead of the per-process limiter (which remains the fallback
// while Postgres does not answer).
func WithBudget(b *Budget) Option {
	return func(c *Client) { c.budget = b }
}

// take waits for this request's slot. false: Postgres did not answer, and
// the caller falls back to the per-process limiter.
func (b *Budget) take(ctx context.Context) (bool, error) {
	late := 0
	for {
		horizon := budgetHorizon
		if dl, ok := ctx.Deadline(); ok {
			horizon = min(horizon, time.Until(dl))
		}
		slot, ok, err := b.db.ReserveRequest(ctx, b.account, b.Interval, horizon)
		if err != nil {
			if ctx.Err() != nil {
				return true, ctx.Err()
			}
			if b.warned.CompareAndSwap(false, true) {
				slog.Warn("amocrm: shared request budget unavailable, limiting per process", "account", b.account, "err", err)
			}
			return false, nil
		}
		b.warned.Store(false)
		// The slot is a time by Postgres's clock, read with this host's:
		// hosts must keep their clocks in sync (NTP: within a millisecond or
		// two), as a skew eats into the guard. A wait computed by Postgres
		// instead would count the answer's trip back as on time.
		wait := time.Until(slot)
		if !ok {
			// Spread the waiters' next attempts over the horizon's first half.
			wait += rand.N(budgetHorizon / 2)
		}
		if err := sleep(ctx, wait); err != nil {
			return true, err
		}
		if !ok {
			continue
		}
		// A request that wakes well after its slot (a process starved of
		// CPU) would land next to the requests of the following slots and
		// crowd a second: it gives its slot up and takes a new one, a few
		// times at most.
		if time.Since(slot) > budgetLate && late < maxLate {
			late++
			budgetLateSlots.WithLabelValues(b.account).Inc()
			continue
		}
		return true, nil
	}
}

// budgetLate is how late after its slot a request may still go; later ones
// take a new slot (up to maxLate times, then go anyway).
const (
	budgetLate = 15 * time.Millisecond
	maxLate    = 3
)

// backOff moves the account's next slot at least d from now in every
// process (after a 429).
func (b *Budget) backOff(ctx context.Context, d time.Duration) {
	_ = b.db.DelayRequests(ctx, b.account, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
