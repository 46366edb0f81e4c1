package amofake

import (
	"math"
	"math/rand/v2"
	"net/http"
	"time"
)

// Faults are failures injected into one account's requests, to test how a
// client copes. They apply to every request of the account, the token
// endpoint included, except Force401, Blocked and DropRate, which only hit /api/.
type Faults struct {
	// Latency delays every request before anything else happens to it.
	Latency time.Duration
	// ErrorRate is the share (0 to 1) of requests answered 502 with an nginx page.
	ErrorRate float64
	// Force429 answers the next N requests 429 (HTML, no Retry-After).
	Force429 int
	// Force401 answers the next N API requests 401, whatever their token.
	Force401 int
	// Force5xx answers the next N requests 502 with an nginx page.
	Force5xx int
	// Blocked answers every API request 403 with an nginx page, as amoCRM
	// does to an account blocked for exceeding the rate limit.
	Blocked bool
	// SearchLag hides entities created less than this long ago from query=
	// searches, as amoCRM's search index does for a while after a write
	// (reads by id see them at once).
	SearchLag time.Duration
	// DropRefreshAnswer makes the next N successful refreshes issue the new
	// pair (revoking the refresh token used) and then close the connection
	// without answering: a rotation lost on the way back, after which the
	// client's refresh token is spent and only its old access token works.
	DropRefreshAnswer int
	// DropRate is the share (0 to 1) of API requests whose connection is
	// closed without an answer after the request was handled: the effect
	// happened, the client never learns it (logged with nginx's 444).
	DropRate float64
	// Answer delays each answer after the request was counted and handled:
	// amoCRM's own processing time, which real amoCRM spends after its rate
	// limit has counted the request (Latency, before it, models a slow way in).
	Answer LatencyDist
}

// LatencyDist is a distribution of answer times: log-normal around Median
// with spread Sigma (the σ of the logarithm; 0: always Median), except a
// share Slow of answers that take SlowTime. The zero value adds nothing.
// For amoCRM's usual 100–300 ms with 1 % at 2 s: {Median: 150ms, Sigma: 0.35,
// Slow: 0.01, SlowTime: 2s}.
type LatencyDist struct {
	Median   time.Duration
	Sigma    float64
	Slow     float64
	SlowTime time.Duration
}

// sample draws one answer time.
func (d LatencyDist) sample() time.Duration {
	if d.Slow > 0 && rand.Float64() < d.Slow {
		return d.SlowTime
	}
	if d.Sigma <= 0 {
		return d.Median
	}
	return time.Duration(float64(d.Median) * math.Exp(d.Sigma*rand.NormFloat64()))
}

// SetFaults replaces the account's faults; Faults{} turns them off.
func (s *Server) SetFaults(sub string, f Faults) {
	a := s.account(sub)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = f
}

// CurrentFaults returns the account's faults, with what is left of the Force counters.
func (s *Server) CurrentFaults(sub string) Faults {
	a := s.account(sub)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.faults
}

// injectFault answers a request with an injected failure, if one is due.
func (a *account) injectFault(api bool) (response, bool) {
	f := &a.faults
	switch {
	case api && f.Blocked:
		return htmlPage(http.StatusForbidden), true
	case f.Force429 > 0:
		f.Force429--
		return htmlPage(http.StatusTooManyRequests), true
	case api && f.Force401 > 0:
		f.Force401--
		return unauthorized(), true
	case f.Force5xx > 0:
		f.Force5xx--
		return htmlPage(http.StatusBadGateway), true
	case f.ErrorRate > 0 && rand.Float64() < f.ErrorRate:
		return htmlPage(http.StatusBadGateway), true
	}
	return response{}, false
}

// dropAnswer tells whether the answer to a handled API request is lost.
func (a *account) dropAnswer(api bool) bool {
	return api && a.faults.DropRate > 0 && rand.Float64() < a.faults.DropRate
}

// statusDropped logs a request whose answer was dropped (nginx's "connection
// closed without response").
const statusDropped = 444
