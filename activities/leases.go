package activities

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"amoflow/metrics"
	"amoflow/store"
)

// Lease series: how often flows wait for one another, and how often a lease
// is left behind by a run that ended without releasing it.
var (
	leaseWaits = metrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_lease_waits_total",
		Help: "AcquireLeases attempts that ended with a key held by a running workflow (about one per 10 s of waiting).",
	}))
	leaseTakeovers = metrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_lease_takeovers_total",
		Help: "Leases found held by a workflow run that had ended (terminated, timed out, reset) and taken over.",
	}))
)

// Leases holds the activities that serialize work per person and per amoCRM
// entity (see store.AcquireLeases) and the index of what the flows created
// (store.LookupKnown). Postgres and Temporal only: they run on the workflow
// task queue, never on an account's rate-limited amoCRM queue.
type Leases struct {
	DB       *store.DB
	Temporal client.Client
	// Wait is how long one AcquireLeases attempt keeps trying (every Poll)
	// before it fails with LeaseHeld; defaults 10 s and 300 ms. Waiting in
	// the attempt hands a lease over within a Poll of its release, and
	// keeps the worker's log to one line per Wait, not per try.
	Wait, Poll time.Duration
}

// LeaseInput names the keys a workflow run wants.
type LeaseInput struct {
	Keys []string `json:"keys"`
}

// AcquireLeases takes the keys for the calling workflow run, or fails
// (retryably) naming the key it waits for and the workflow holding it. The
// keys carry digests, never a phone or an email, so the failure message may
// be shown in the Temporal UI.
func (l *Leases) AcquireLeases(ctx context.Context, in LeaseInput) error {
	if err := l.ready(); err != nil {
		return err
	}
	wait, poll := l.Wait, l.Poll
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if poll <= 0 {
		poll = 300 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	for {
		key, by, err := l.DB.AcquireLeases(ctx, in.Keys, caller(ctx), l.closed)
		if err != nil {
			return err // Postgres or Temporal unreachable: retried
		}
		if key == "" {
			return nil
		}
		activity.RecordHeartbeat(ctx, key)
		if time.Now().Add(poll).After(deadline) {
			leaseWaits.Inc()
			return temporal.NewApplicationError("lease "+key+" is held by workflow "+by.WorkflowID+" (run "+by.RunID+")", ErrLeaseHeld)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// ReleaseLeases frees every lease the calling run holds.
func (l *Leases) ReleaseLeases(ctx context.Context) (int64, error) {
	if err := l.ready(); err != nil {
		return 0, err
	}
	return l.DB.ReleaseLeases(ctx, caller(ctx))
}

// KnownInput names index keys of one account.
type KnownInput struct {
	Account string   `json:"account"`
	Keys    []string `json:"keys"`
}

// LookupKnown returns what the index holds for the keys, in their order.
func (l *Leases) LookupKnown(ctx context.Context, in KnownInput) ([]store.Known, error) {
	if err := l.ready(); err != nil {
		return nil, err
	}
	return l.DB.LookupKnown(ctx, in.Account, in.Keys)
}

// RememberInput records index entries of one account.
type RememberInput struct {
	Account string        `json:"account"`
	Entries []store.Known `json:"entries"`
}

// RememberKnown records what a flow created or found.
func (l *Leases) RememberKnown(ctx context.Context, in RememberInput) error {
	if err := l.ready(); err != nil {
		return err
	}
	return l.DB.RememberKnown(ctx, in.Account, in.Entries)
}

func (l *Leases) ready() error {
	if l == nil || l.DB == nil || l.Temporal == nil {
		return temporal.NewNonRetryableApplicationError("no Postgres store or Temporal client on this worker", ErrNoStore, nil)
	}
	return nil
}

// caller is the workflow run of the activity: the lease holder.
func caller(ctx context.Context) store.Holder {
	we := activity.GetInfo(ctx).WorkflowExecution
	return store.Holder{WorkflowID: we.ID, RunID: we.RunID}
}

// closed asks Temporal whether a holder's run has ended. A run Temporal no
// longer knows (past retention) has ended too.
func (l *Leases) closed(ctx context.Context, h store.Holder) (bool, error) {
	resp, err := l.Temporal.DescribeWorkflowExecution(ctx, h.WorkflowID, h.RunID)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		leaseTakeovers.Inc()
		return true, nil
	}
	if err != nil {
		return false, err
	}
	ended := resp.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	if ended {
		leaseTakeovers.Inc()
	}
	return ended, nil
}
