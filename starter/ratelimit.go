package starter

import (
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"amoflow/config"
)

// maxClients bounds the limiter's memory: about 100 bytes a client.
const maxClients = 50_000

// clientLimiter is a token bucket per client address. A client idle long
// enough for its bucket to be full again is forgotten: a new bucket is the
// same as its old one, so forgetting it costs nothing.
type clientLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration // time to refill a whole bucket
	max   int           // clients remembered at most

	mu      sync.Mutex
	clients map[netip.Addr]*clientBucket
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newClientLimiter is nil (no limit) for a nil or zero rate.
func newClientLimiter(r *config.Rate) *clientLimiter {
	if r == nil || r.RPS <= 0 {
		return nil
	}
	idle := time.Duration(float64(r.Burst) / r.RPS * float64(time.Second))
	return &clientLimiter{limit: rate.Limit(r.RPS), burst: r.Burst, idle: idle, max: maxClients, clients: map[netip.Addr]*clientBucket{}}
}

// clientKey is what one client is: its address, an IPv6 one by its /64
// (what a single subscriber usually gets, and can change at will).
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// allow takes a token for the client; when there is none it reports how
// long until there is one.
func (l *clientLimiter) allow(a netip.Addr, now time.Time) (ok bool, retryAfter time.Duration) {
	key := clientKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= l.max {
			l.evict(now)
		}
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict forgets the clients idle for a whole refill. During a flood from
// more addresses than maxClients none may be idle: then an eighth of the
// clients, chosen at random, are forgotten, which gives those a full bucket
// again but keeps memory bounded.
func (l *clientLimiter) evict(now time.Time) {
	for k, b := range l.clients {
		if now.Sub(b.seen) >= l.idle {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.max*7/8 {
			break
		}
		delete(l.clients, k)
	}
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
