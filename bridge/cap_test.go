package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"amoflow/internal/testrig"
	"amoflow/mq"
	"amoflow/workflows"
)

func TestCapDecision(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fresh := t0.Add(-capRefresh / 2) // counted less than capRefresh ago
	cases := []struct {
		name     string
		state    capState
		want     verdict
		wantOpen int // estimate after the verdict
	}{
		{"no cap", capState{max: 0}, capStart, 0},
		{"negative: no cap", capState{max: -1}, capStart, 0},
		{"never counted: count", capState{max: 3}, capCount, 0},
		{"first count on its way: wait", capState{max: 3, askedAt: fresh, counting: true}, capWait, 0},
		{"below the cap: start and count the start", capState{max: 3, counted: 2, countedAt: fresh, askedAt: fresh}, capStart, 3},
		{"at the cap: wait", capState{max: 3, counted: 3, countedAt: fresh, askedAt: fresh}, capWait, 3},
		{"over the cap: wait", capState{max: 3, counted: 7, countedAt: fresh, askedAt: fresh}, capWait, 7},
		{"starts since the count fill the cap: wait",
			capState{max: 3, counted: 1, countedAt: fresh, askedAt: fresh, starts: []time.Time{t0, t0}}, capWait, 3},
		{"stale count: count again", capState{max: 3, counted: 0, countedAt: t0.Add(-capRefresh), askedAt: t0.Add(-capRefresh)}, capCount, 0},
		{"stale but another handler counts: the estimate decides",
			capState{max: 3, counted: 0, countedAt: t0.Add(-2 * capRefresh), askedAt: t0.Add(-capRefresh), counting: true}, capStart, 1},
		{"count failed: start uncapped", capState{max: 3, counted: 9, countedAt: fresh, askedAt: fresh, failed: true}, capStart, 9},
		{"count failed, stale: count again", capState{max: 3, askedAt: t0.Add(-capRefresh), failed: true}, capCount, 0},
	}
	for _, c := range cases {
		s := c.state
		if got := s.next(t0); got != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, got, c.want)
		}
		if got := s.open(); got != c.wantOpen {
			t.Errorf("%s: open %d after the verdict, want %d", c.name, got, c.wantOpen)
		}
	}
}

func TestCapCountResult(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	old, recent := t0.Add(-capLag-time.Millisecond), t0.Add(-capLag/2)
	s := capState{max: 10, counting: true, askedAt: t0, starts: []time.Time{old, recent, t0}}
	s.done(4, nil)
	// The old start is in the count; the recent ones may not show yet.
	if s.counting || s.failed || s.counted != 4 || !s.countedAt.Equal(t0) || s.open() != 6 {
		t.Fatalf("after a count: %+v, open %d, want 4 counted + 2 recent starts", s, s.open())
	}
	s.counting = true
	s.done(0, errors.New("visibility unavailable"))
	if !s.failed || s.counting || len(s.starts) != 0 || s.next(t0) != capStart {
		t.Fatalf("after a failed count: %+v; want failed and forms starting", s)
	}
}

// formCap with a stand-in count: the cap holds, a failing count does not.
func TestCapWait(t *testing.T) {
	var counts, open atomic.Int32
	c := &formCap{log: quiet(), max: 2,
		count: func(_ context.Context, account string) (int, error) {
			if account != "retail" {
				return 0, nil
			}
			counts.Add(1)
			return int(open.Load()), nil
		}}
	never := time.Now().Add(time.Hour)
	for i := range 2 {
		if err := c.wait(context.Background(), "retail", never); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*capPoll)
	defer cancel()
	if err := c.wait(ctx, "retail", never); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third start at a cap of 2: %v, want held until ctx ends", err)
	}
	if n := counts.Load(); n != 1 {
		t.Errorf("%d counts, want 1 (at most one a second)", n)
	}
	if err := c.wait(context.Background(), "corp", never); err != nil {
		t.Fatalf("another account's form with retail at the cap: %v, want it to start", err)
	}
	open.Store(2) // a recount now finds the two started
	if err := c.wait(context.Background(), "retail", time.Now().Add(2*capPoll)); !errors.Is(err, errHeldTooLong) {
		t.Fatalf("third start at a cap of 2 with a hold limit: %v, want errHeldTooLong", err)
	}

	f := &formCap{log: quiet(), max: 1,
		count: func(context.Context, string) (int, error) { return 0, errors.New("visibility unavailable") }}
	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := f.wait(ctx, "retail", never)
		cancel()
		if err != nil {
			t.Fatalf("start %d with a failing count: %v, want it to start", i, err)
		}
	}
}

// With a cap of N, N form workflows run and the other forms stay in
// RabbitMQ; a webhook starts meanwhile; the held forms start as running ones
// complete.
func TestCapHoldsFormsNotWebhooks(t *testing.T) {
	const max, prefetch, forms = 3, 4, 9
	r := newRig(t, func(b *Bridge) { b.MaxOpenForms, b.Prefetch, b.CapHold = max, prefetch, time.Hour })
	held0 := testutil.ToFloat64(formsHeldGauge)
	ids := make([]string, forms)
	for i := range ids {
		ids[i] = fmt.Sprintf("form-cap-%d-%s", i, testrig.RandomHex(3))
		r.ends.set(ids[i], "block")
		r.submit(ids[i])
	}
	// started counts the forms Temporal has, and fails past the cap.
	started := func() (n int) {
		for _, id := range ids {
			if r.exists(id) {
				n++
			}
		}
		if n > max {
			t.Fatalf("%d form workflows started, cap %d", n, max)
		}
		return n
	}
	eventually(t, "the cap's worth of forms running", func() bool { return started() == max })
	// Handlers fill the prefetch and are held; the rest is ready in the queue.
	eventually(t, "held forms", func() bool { return testutil.ToFloat64(formsHeldGauge)-held0 == prefetch })
	if n := r.ready(r.topo.Queue(mq.KindForm)); n != forms-max-prefetch {
		t.Errorf("%d forms ready in RabbitMQ, want %d", n, forms-max-prefetch)
	}
	// Several refreshes later (starts may have been counted twice, then once) still at the cap.
	for end := time.Now().Add(3 * capRefresh); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		started()
	}

	hook := "whd-retail-ret2corp-" + testrig.RandomHex(4)
	body, _ := json.Marshal(workflows.WebhookInput{JobID: hook, Account: "retail", Method: "ret2corp", ReceivedAt: time.Now().UTC()})
	if err := r.pub.Publish(context.Background(), mq.Message{ID: hook, Kind: mq.KindWebhook, Account: "retail", ReceivedAt: time.Now(), Body: body}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the webhook's workflow", func() bool { return r.exists(hook) })
	if n := started(); n != max {
		t.Errorf("%d forms started with the webhook, want %d", n, max)
	}
	_ = r.tc.TerminateWorkflow(context.Background(), hook, "", "test: no webhook worker")

	// The held forms will complete at once; the running ones are released.
	var running []string
	for _, id := range ids {
		r.ends.set(id, "")
		if r.exists(id) {
			running = append(running, id)
		}
	}
	for _, id := range running {
		if err := r.tc.SignalWorkflow(context.Background(), id, "", "done", nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		r.wait(id, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	}
	eventually(t, "no form held", func() bool { return testutil.ToFloat64(formsHeldGauge) == held0 })
	if n := r.ready(r.topo.Queue(mq.KindForm)); n != 0 {
		t.Errorf("%d forms left in RabbitMQ", n)
	}
}

// A form held at the cap for CapHold goes back to the tail of its queue,
// however often; once the cap frees, every form runs.
func TestHeldFormIsPutBack(t *testing.T) {
	const forms = 3
	r := newRig(t, func(b *Bridge) { b.MaxOpenForms, b.Prefetch, b.CapHold = 1, 2, time.Second })
	put0 := testutil.ToFloat64(putBacks.WithLabelValues("form_cap"))
	ids := make([]string, forms)
	for i := range ids {
		ids[i] = fmt.Sprintf("form-putback-%d-%s", i, testrig.RandomHex(3))
		r.ends.set(ids[i], "block")
		r.submit(ids[i])
	}
	// Two held forms, put back each second (that a put-back does not count
	// towards the delivery limit is mq's TestPutBackDoesNotCountTowardsTheDeliveryLimit).
	eventually(t, "held forms put back", func() bool {
		return testutil.ToFloat64(putBacks.WithLabelValues("form_cap"))-put0 >= 4
	})
	if n := r.ready(r.topo.DeadQueue()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	var running []string
	for _, id := range ids {
		r.ends.set(id, "")
		if r.exists(id) {
			running = append(running, id)
		}
	}
	if len(running) != 1 {
		t.Fatalf("%d forms running at a cap of 1", len(running))
	}
	if err := r.tc.SignalWorkflow(context.Background(), running[0], "", "done", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r.wait(id, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	}
	if n := r.ready(r.topo.Queue(mq.KindForm)); n != 0 {
		t.Errorf("%d forms left in RabbitMQ", n)
	}
}

// The cap is per account: retail at its cap, held retail forms go back to
// the queue and let a corporate form queued behind them start.
func TestCapIsPerAccount(t *testing.T) {
	r := newRig(t, func(b *Bridge) { b.MaxOpenForms, b.Prefetch, b.CapHold, b.SearchAttributes = 1, 1, time.Second, true })
	retail := []string{"form-acct-r1-" + testrig.RandomHex(3), "form-acct-r2-" + testrig.RandomHex(3)}
	corp := "form-acct-c1-" + testrig.RandomHex(3)
	for _, id := range append(retail, corp) {
		r.ends.set(id, "block")
	}
	r.submitTo("retail", retail[0])
	eventually(t, "the first retail form running", func() bool { return r.exists(retail[0]) })
	r.submitTo("retail", retail[1]) // held: retail is at its cap, and it takes the only prefetch slot
	r.submitTo("corp", corp)
	eventually(t, "the corporate form running", func() bool { return r.exists(corp) })
	if r.exists(retail[1]) {
		t.Errorf("a second retail form started at a cap of 1")
	}
	for _, id := range append(retail, corp) {
		r.ends.set(id, "")
	}
	for _, id := range []string{retail[0], corp} {
		if err := r.tc.SignalWorkflow(context.Background(), id, "", "done", nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range append(retail, corp) {
		r.wait(id, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	}
}

// exists says whether Temporal has a workflow of job id.
func (r *rig) exists(id string) bool {
	r.t.Helper()
	_, err := r.tc.DescribeWorkflowExecution(context.Background(), id, "")
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		r.t.Fatal(err)
	}
	return err == nil
}

// ready is the number of ready (not delivered) messages in queue.
func (r *rig) ready(queue string) int {
	r.t.Helper()
	st, err := r.ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return st.Messages
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 20 s", what)
		}
	}
}
