// Package bridge moves work from RabbitMQ to Temporal: for each message it
// starts one workflow whose id is the message's job id, and acks the message
// only once Temporal has the workflow. A redelivered message finds its
// workflow already running or completed and is simply acked, so nothing runs
// twice; a job whose last run failed runs again (see startOptions).
//
// While Temporal is unreachable the bridge holds the message unacked and
// retries with backoff (it does not requeue, which would count against the
// queue's delivery limit); if the bridge dies, RabbitMQ redelivers the message
// to another one. A message held for HoldLimit is put back at the tail of its
// queue (mq.Delivery.PutBack) before the broker's consumer timeout would
// count it as a failed delivery, so an outage of any length dead-letters
// nothing. A message that cannot be decoded is dead-lettered with the
// reason. Any number of bridges may run at once.
//
// A form waits while MaxOpenForms form workflows of its account run, so that
// a backlog stays in RabbitMQ instead of flooding Temporal (cap.go).
package bridge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"amoflow/metrics"
	"amoflow/mq"
	"amoflow/workflows"
)

// Bridge consumes every work queue and starts workflows.
type Bridge struct {
	Temporal  client.Client
	TaskQueue string // where workflows run
	Broker    mq.Broker
	Prefetch  int
	Logger    *slog.Logger
	// MaxBackoff caps the wait between attempts to reach Temporal (default 30 s).
	MaxBackoff time.Duration
	// SearchAttributes tags each workflow with its account (AmoAccount).
	SearchAttributes bool
	// FlatPriority starts every job at Temporal's default priority, without
	// fairness keys (bench/priority compares with it).
	FlatPriority bool
	// DepthEvery is how often the queue-depth gauges (metrics.QueueDepth,
	// metrics.DeadLetters) are refreshed (default 15 s; negative: never).
	DepthEvery time.Duration
	// Metadata describes each workflow for the Temporal UI; nil leaves it out.
	Metadata *workflows.Metadata
	// MaxOpenForms caps the form workflows of one account running on
	// TaskQueue: past it a form waits until some complete (<= 0: no cap;
	// see cap.go).
	MaxOpenForms int
	// HoldLimit is how long a message is held unacked (at the cap, or while
	// Temporal is unreachable) before it is put back in its queue; it must
	// stay below RabbitMQ's consumer_timeout (default 10 min).
	HoldLimit time.Duration
	// CapHold is how long a form is held at the cap before it goes back to
	// the tail of the queue, letting the forms behind it (another account's)
	// through (default 5 s; at most HoldLimit; see cap.go).
	CapHold time.Duration

	capOnce sync.Once
	formCap *formCap
}

// Run consumes until ctx ends.
func (b *Bridge) Run(ctx context.Context) error {
	queues := b.Broker.Topology.Queues()
	errs := make(chan error, len(queues))
	var wg sync.WaitGroup
	if b.DepthEvery >= 0 {
		wg.Go(func() { b.Broker.WatchDepth(ctx, b.DepthEvery) })
	}
	for _, q := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- b.Broker.Consume(ctx, q, b.Prefetch, b.Handle)
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// Handle starts the workflow of one delivery and settles the delivery.
func (b *Bridge) Handle(ctx context.Context, d *mq.Delivery) error {
	start, err := route(d.Message)
	if err != nil {
		b.log().Warn("bridge: dead-lettering an undecodable message", "job_id", d.ID, "queue", d.Queue, "reason", err)
		return d.DeadLetter(ctx, err.Error())
	}
	if start.workflow == workflows.CreateLeadFromFormName {
		err := b.holdForm(ctx, d)
		if errors.Is(err, errHeldTooLong) {
			return b.putBack(ctx, d, "form_cap")
		}
		if err != nil {
			return err // unsettled: the broker redelivers it
		}
	}
	opts := b.startOptions(d, start)
	for attempt := 0; ; attempt++ {
		_, err := b.Temporal.ExecuteWorkflow(ctx, opts, start.workflow, start.arg)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		switch {
		case err == nil:
			b.log().Info("bridge: workflow started", "job_id", d.ID, "workflow", start.workflow)
			return d.Ack()
		case errors.As(err, &started):
			b.log().Info("bridge: workflow already started", "job_id", d.ID)
			return d.Ack()
		}
		b.log().Warn("bridge: cannot start workflow, retrying", "job_id", d.ID, "attempt", attempt, "err", err)
		wait := b.backoff(attempt)
		if time.Now().Add(wait).After(b.holdUntil(d)) {
			return b.putBack(ctx, d, "temporal_unavailable")
		}
		select {
		case <-ctx.Done():
			return ctx.Err() // unsettled: the broker redelivers it
		case <-time.After(wait):
		}
	}
}

// startOptions are the options of the workflow a delivery starts.
func (b *Bridge) startOptions(d *mq.Delivery, start start) client.StartWorkflowOptions {
	opts := client.StartWorkflowOptions{
		ID:        d.ID,
		TaskQueue: b.TaskQueue,
		// A job that is running or completed does not run again on a
		// redelivery or a resubmission; one whose last run failed, was
		// terminated, cancelled or timed out does: resubmitting failed work
		// (or replaying its dead letter) retries it.
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
	if !b.FlatPriority {
		opts.Priority = priorityOf(d.Message, start.arg)
	}
	if b.SearchAttributes && d.Account != "" {
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(workflows.AmoAccountKey.ValueSet(d.Account))
	}
	b.Metadata.Apply(&opts, start.workflow, start.arg) // UI summary, details and AmoSource; no personal data
	return opts
}

// errHeldTooLong: a message waited long enough and goes back to its queue.
var errHeldTooLong = errors.New("bridge: held long enough")

var putBacks = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "amoflow_bridge_put_back_total",
	Help: "Messages the bridge held and put back at the tail of their queue, by why they waited: form_cap (a form at its account's cap, after 5 s), temporal_unavailable (after rabbitmq.hold_limit).",
}, []string{"why"}))

// holdUntil is when a delivery has been held long enough (HoldLimit).
func (b *Bridge) holdUntil(d *mq.Delivery) time.Time {
	limit := b.HoldLimit
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	return d.Received.Add(limit)
}

// putBack returns a held delivery to the tail of its queue, so that the
// broker's consumer timeout never counts the wait as a failed delivery.
func (b *Bridge) putBack(ctx context.Context, d *mq.Delivery, why string) error {
	if err := d.PutBack(ctx); err != nil {
		return err // unsettled: the broker redelivers it
	}
	putBacks.WithLabelValues(why).Inc()
	b.log().Debug("bridge: held message put back in its queue", "job_id", d.ID, "queue", d.Queue, "why", why)
	return nil
}

func (b *Bridge) backoff(attempt int) time.Duration {
	max := b.MaxBackoff
	if max <= 0 {
		max = 30 * time.Second
	}
	d := 200 * time.Millisecond << min(attempt, 10)
	return min(d, max)
}

func (b *Bridge) log() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}
