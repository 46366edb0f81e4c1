package bridge

// The form cap: the bridge starts a form workflow only while fewer than
// MaxOpenForms form workflows of the form's amoCRM account run on its task
// queue. RabbitMQ is the buffer made to hold a backlog; a backlog moved into
// Temporal at once has every workflow compete for the CPU and the store, and
// fewer complete (BENCHMARKS.md, "Scale ceiling"). Webhooks and 1C are never
// held: they outrank forms (priority.go).
//
// The cap is per account (with search attributes on; otherwise one count for
// all), so that an account whose work is paused (a lost authorization, say)
// and fills its cap with waiting forms does not hold the others' forms. A
// held form stays unacked in RabbitMQ for at most CapHold, then goes back to
// the tail of the queue (mq.Delivery.PutBack): prefetch bounds how many forms
// are held, and without the put-back a paused account's forms would take
// every slot and block the forms of other accounts queued behind them.
//
// Counting is a visibility query, so it is done at most once a second per
// account and shared by the form consumer's handlers; the starts made since
// are added to it.

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"

	"amoflow/metrics"
	"amoflow/mq"
	"amoflow/workflows"
)

const (
	capRefresh      = time.Second            // counts at most this often
	capLag          = time.Second            // a start may take this long to show in a count
	capPoll         = 200 * time.Millisecond // a held form looks again this often
	capCountTimeout = 5 * time.Second        // a slow count must not hold ingest long
	capWarnEvery    = time.Minute            // a failing count is logged at most this often
)

var (
	openFormsGauge = metrics.Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "amoflow_bridge_open_forms",
		Help: "Form workflows running in Temporal per account (\"\": all, without search attributes), as the bridge last counted them for rabbitmq.max_open_forms.",
	}, []string{"account"}))
	formsHeldGauge = metrics.Register(prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "amoflow_bridge_forms_held",
		Help: "Form messages the bridge holds unacked because rabbitmq.max_open_forms are running.",
	}))
	capHeldSeconds = metrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_bridge_cap_held_seconds_total",
		Help: "Seconds during which the bridge held at least one form at rabbitmq.max_open_forms; rate() is the share of time at the cap.",
	}))
	capCountErrors = metrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_bridge_open_forms_count_errors_total",
		Help: "Failed counts of open form workflows; until one succeeds forms start uncapped.",
	}))
)

// verdict is what a form handler does next.
type verdict int

const (
	capStart verdict = iota // start the workflow (the start is recorded)
	capCount                // count the open forms, then ask again
	capWait                 // hold the message, ask again after capPoll
)

// capState is what the bridge knows of the open form workflows. It does no
// I/O and takes the time as an argument, so it is tested without servers.
type capState struct {
	max       int         // <= 0: no cap
	counted   int         // running form workflows, as last counted
	countedAt time.Time   // when that count was asked for (zero: never)
	askedAt   time.Time   // when the last count, good or failed, was asked for
	counting  bool        // a handler is counting now
	failed    bool        // the last count failed
	starts    []time.Time // starts the last count may not show yet
}

// next decides for a form handler at now and records what it decided.
func (s *capState) next(now time.Time) verdict {
	switch {
	case s.max <= 0:
		return capStart
	case !s.counting && now.Sub(s.askedAt) >= capRefresh:
		s.counting, s.askedAt = true, now
		return capCount
	case s.failed:
		return capStart // the count is auxiliary: a failing one never holds ingest
	case s.countedAt.IsZero():
		return capWait // the first count is on its way
	case s.open() >= s.max:
		return capWait
	}
	s.starts = append(s.starts, now)
	return capStart
}

// open estimates the running form workflows.
func (s *capState) open() int { return s.counted + len(s.starts) }

// done records the result of the count asked for at s.askedAt.
func (s *capState) done(n int, err error) {
	s.counting = false
	s.failed = err != nil
	if s.failed {
		s.starts = s.starts[:0] // not tracked while uncapped: the next count has them
		return
	}
	s.counted, s.countedAt = n, s.askedAt
	// Starts made well before the count was asked for are in it.
	keep := s.starts[:0]
	for _, t := range s.starts {
		if t.After(s.askedAt.Add(-capLag)) {
			keep = append(keep, t)
		}
	}
	s.starts = keep
}

// formCap applies a capState per account for one bridge: its handlers share it.
type formCap struct {
	max   int
	count func(ctx context.Context, account string) (int, error)
	log   *slog.Logger

	mu       sync.Mutex
	states   map[string]*capState // by account; "" counts every account together
	held     int                  // handlers held now
	heldTick time.Time            // when capHeldSeconds was last brought up to date
	warnedAt time.Time
}

// state is account's capState; c.mu must be held.
func (c *formCap) state(account string) *capState {
	s, ok := c.states[account]
	if !ok {
		if c.states == nil {
			c.states = map[string]*capState{}
		}
		s = &capState{max: c.max}
		c.states[account] = s
	}
	return s
}

// wait returns once a form of account may start, errHeldTooLong when it is
// still held at until, or ctx's error when ctx ends first (the message is
// then left unsettled).
func (c *formCap) wait(ctx context.Context, account string, until time.Time) error {
	held := false
	defer func() {
		if held {
			c.hold(-1)
		}
	}()
	for {
		c.mu.Lock()
		v := c.state(account).next(time.Now())
		c.mu.Unlock()
		switch v {
		case capStart:
			return nil
		case capCount:
			n, err := c.count(ctx, account)
			c.counted(ctx, account, n, err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		if !time.Now().Before(until) {
			return errHeldTooLong
		}
		if !held {
			held = true
			c.hold(+1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(capPoll):
			c.hold(0)
		}
	}
}

func (c *formCap) counted(ctx context.Context, account string, n int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state(account).done(n, err)
	if err == nil {
		openFormsGauge.WithLabelValues(account).Set(float64(n))
		return
	}
	if ctx.Err() != nil {
		return // shutting down
	}
	capCountErrors.Inc()
	if now := time.Now(); now.Sub(c.warnedAt) >= capWarnEvery {
		c.warnedAt = now
		c.log.Warn("bridge: cannot count open form workflows; starting forms without the cap until it works", "account", account, "err", err)
	}
}

// hold changes the number of held handlers by delta and adds the time spent
// with at least one held to capHeldSeconds (delta 0 only brings it up to date).
func (c *formCap) hold(delta int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.held > 0 {
		capHeldSeconds.Add(now.Sub(c.heldTick).Seconds())
	}
	c.heldTick = now
	c.held += delta
	formsHeldGauge.Add(float64(delta))
}

// holdForm waits until the bridge may start one more form workflow of the
// delivery's account, or until it was held for CapHold or reached its hold
// limit (errHeldTooLong).
func (b *Bridge) holdForm(ctx context.Context, d *mq.Delivery) error {
	b.capOnce.Do(func() {
		b.formCap = &formCap{max: b.MaxOpenForms, count: b.countOpenForms, log: b.log()}
	})
	hold := b.CapHold
	if hold <= 0 {
		hold = 5 * time.Second
	}
	until := b.holdUntil(d)
	if t := time.Now().Add(hold); t.Before(until) {
		until = t
	}
	return b.formCap.wait(ctx, b.capAccount(d.Account), until)
}

// capAccount is the account whose forms a form counts against: its own with
// search attributes on (each workflow carries AmoAccount), else "" (all).
func (b *Bridge) capAccount(account string) string {
	if !b.SearchAttributes || strings.ContainsAny(account, `'"\`) {
		return ""
	}
	return account
}

// countOpenForms counts the form workflows of account ("": of every
// account) running on the bridge's task queue.
func (b *Bridge) countOpenForms(ctx context.Context, account string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, capCountTimeout)
	defer cancel()
	r, err := b.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: openFormsQuery(b.TaskQueue, account)})
	if err != nil {
		return 0, err
	}
	return int(r.GetCount()), nil
}

// openFormsQuery is the visibility query of the running form workflows
// (config refuses quotes in the task queue while the cap is on; capAccount
// in the account).
func openFormsQuery(taskQueue, account string) string {
	q := fmt.Sprintf("WorkflowType = '%s' AND TaskQueue = '%s' AND ExecutionStatus = 'Running'",
		workflows.CreateLeadFromFormName, taskQueue)
	if account != "" {
		q += fmt.Sprintf(" AND %s = '%s'", workflows.AmoAccountKey.GetName(), account)
	}
	return q
}
