package amocrm

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// defaultRPS stays under amoCRM's 7 requests per second per integration.
const defaultRPS = 6

// gate is the per-process safety net under the cluster-wide limit: a token
// bucket plus a pause after a 429, since amoCRM sends no Retry-After and
// blocks accounts that keep exceeding the limit.
type gate struct {
	lim *rate.Limiter

	mu    sync.Mutex
	until time.Time
}

// gates holds one gate per account, shared by every Client in the process.
var gates sync.Map // Account.BaseURL → *gate

func sharedGate(acct Account) *gate {
	rps := acct.RPS
	if rps <= 0 {
		rps = defaultRPS
	}
	g, _ := gates.LoadOrStore(acct.BaseURL, &gate{lim: rate.NewLimiter(rate.Limit(rps), 1)})
	return g.(*gate)
}

// wait holds a request until it may be sent: after a 429's pause, at its
// slot of the shared budget, or (no budget, or Postgres away) at the
// per-process token bucket's pace.
func (g *gate) wait(ctx context.Context, b *Budget) error {
	g.mu.Lock()
	d := time.Until(g.until)
	g.mu.Unlock()
	if d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if b != nil {
		if shared, err := b.take(ctx); shared || err != nil {
			return err
		}
	}
	return g.lim.Wait(ctx)
}

func (g *gate) backOff(d time.Duration) {
	g.mu.Lock()
	if u := time.Now().Add(d); u.After(g.until) {
		g.until = u
	}
	g.mu.Unlock()
}
