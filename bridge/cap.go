package bridge

// The form cap: the bridge starts a form workflow only while fewer than
// MaxOpenForms form workflows run on its task queue. RabbitMQ is the buffer
// made to hold a backlog; a backlog moved into Temporal at once has every
// workflow compete for the CPU and the store, and fewer complete
// (BENCHMARKS.md, "Scale ceiling"). Webhooks and 1C are never held: they
// outrank forms (priority.go).
//
// Counting is a visibility query, so it is done at most once a second and
// shared by the form consumer's handlers; the starts made since are added to
// it. A held form stays unacked in RabbitMQ (prefetch bounds how many are
// held), and the rest of the backlog stays ready in the queue.

import (
	"context"
	"fmt"
	"log/slog"
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
	openFormsGauge = metrics.Register(prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "amoflow_bridge_open_forms",
		Help: "Form workflows running in Temporal, as the bridge last counted them for rabbitmq.max_open_forms.",
	}))
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

// formCap applies capState for one bridge: its handlers share it.
type formCap struct {
	count func(context.Context) (int, error)
	log   *slog.Logger

	mu       sync.Mutex
	state    capState
	held     int       // handlers held now
	heldTick time.Time // when capHeldSeconds was last brought up to date
	warnedAt time.Time
}

// wait returns once a form may start, errHeldTooLong when it is still held
// at until, or ctx's error when ctx ends first (the message is then left
// unsettled).
func (c *formCap) wait(ctx context.Context, until time.Time) error {
	held := false
	defer func() {
		if held {
			c.hold(-1)
		}
	}()
	for {
		c.mu.Lock()
		v := c.state.next(time.Now())
		c.mu.Unlock()
		switch v {
		case capStart:
			return nil
		case capCount:
			n, err := c.count(ctx)
			c.counted(ctx, n, err)
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

func (c *formCap) counted(ctx context.Context, n int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.done(n, err)
	if err == nil {
		openFormsGauge.Set(float64(n))
		return
	}
	if ctx.Err() != nil {
		return // shutting down
	}
	capCountErrors.Inc()
	if now := time.Now(); now.Sub(c.warnedAt) >= capWarnEvery {
		c.warnedAt = now
		c.log.Warn("bridge: cannot count open form workflows; starting forms without the cap until it works", "err", err)
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

// holdForm waits until the bridge may start one more form workflow, or
// until the delivery's hold limit (errHeldTooLong).
func (b *Bridge) holdForm(ctx context.Context, d *mq.Delivery) error {
	b.capOnce.Do(func() {
		b.formCap = &formCap{count: b.countOpenForms, log: b.log(), state: capState{max: b.MaxOpenForms}}
	})
	return b.formCap.wait(ctx, b.holdUntil(d))
}

// countOpenForms counts the form workflows running on the bridge's task queue.
func (b *Bridge) countOpenForms(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, capCountTimeout)
	defer cancel()
	r, err := b.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: openFormsQuery(b.TaskQueue)})
	if err != nil {
		return 0, err
	}
	return int(r.GetCount()), nil
}

// openFormsQuery is the visibility query of the running form workflows
// (config refuses quotes in the task queue while the cap is on).
func openFormsQuery(taskQueue string) string {
	return fmt.Sprintf("WorkflowType = '%s' AND TaskQueue = '%s' AND ExecutionStatus = 'Running'",
		workflows.CreateLeadFromFormName, taskQueue)
}
