package mq

import (
	"context"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// deadLetters puts messages in the dead-letter queue the two ways they get
// there: a consumer's DeadLetter (with a reason) and the broker's own
// dead-lettering of a rejected message.
func deadLetters(t *testing.T, b Broker, p *Publisher, reasons map[string]string) {
	t.Helper()
	for id := range reasons {
		if err := p.Publish(context.Background(), Message{ID: id, Kind: KindForm, Account: "retail", ReceivedAt: time.Now(), Body: []byte(`{"phone":"+79161234567"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan string, len(reasons))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		stopped <- b.Consume(ctx, b.Topology.Queue(KindForm), 4, func(ctx context.Context, d *Delivery) error {
			defer func() { done <- d.ID }()
			if r := reasons[d.ID]; r != "" {
				return d.DeadLetter(ctx, r)
			}
			return d.Nack(false)
		})
	}()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("Consume: %v", err)
		}
	}()
	for range reasons {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("not all messages were dead-lettered")
		}
	}
}

func openDead(t *testing.T, b Broker) *Dead {
	t.Helper()
	d, err := b.OpenDead()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func waitDepth(t *testing.T, ch *amqp.Channel, q string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count(t, ch, q) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d messages, want %d", q, count(t, ch, q), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeadListShowReplay(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	deadLetters(t, b, p, map[string]string{"form-a": "bad json", "form-b": "", "form-c": "unknown site"})
	waitDepth(t, ch, b.Topology.DeadQueue(), 3)
	d := openDead(t, b)

	all, err := d.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]DeadLetter{}
	for _, dl := range all {
		got[dl.ID] = dl
	}
	if len(all) != 3 || got["form-a"].Reason != "bad json" || got["form-b"].Reason != "broker: rejected" ||
		got["form-a"].Queue != b.Topology.Queue(KindForm) || got["form-b"].Queue != b.Topology.Queue(KindForm) ||
		got["form-a"].Account != "retail" || got["form-a"].DeadAt.IsZero() || got["form-b"].DeadAt.IsZero() {
		t.Fatalf("listed %+v", all)
	}
	// Listing leaves everything in place.
	waitDepth(t, ch, b.Topology.DeadQueue(), 3)

	shown, err := d.Show(context.Background(), "form-c")
	if err != nil || len(shown) != 1 || shown[0].Reason != "unknown site" {
		t.Fatalf("Show = %+v, %v", shown, err)
	}
	if _, err := d.Show(context.Background(), "form-x"); err == nil {
		t.Error("Show of an unknown id succeeded")
	}

	replayed, err := d.Replay(context.Background(), []string{"form-b"}, false)
	if err != nil || !slices.Equal(replayed, []string{"form-b"}) {
		t.Fatalf("Replay = %v, %v", replayed, err)
	}
	waitDepth(t, ch, b.Topology.DeadQueue(), 2)
	m := get(t, ch, b.Topology.Queue(KindForm))
	if m.MessageId != "form-b" || m.Headers[HeaderAccount] != "retail" || m.Headers["x-death"] != nil ||
		m.Headers[HeaderReason] != nil || string(m.Body) != `{"phone":"+79161234567"}` {
		t.Errorf("replayed message: id %q headers %v body %s", m.MessageId, m.Headers, m.Body)
	}

	replayed, err = d.Replay(context.Background(), nil, true)
	if err != nil || len(replayed) != 2 {
		t.Fatalf("Replay --all = %v, %v", replayed, err)
	}
	waitDepth(t, ch, b.Topology.DeadQueue(), 0)
	waitDepth(t, ch, b.Topology.Queue(KindForm), 2)
}

func TestDeadPurgeByAge(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	deadLetters(t, b, p, map[string]string{"old": "x"})
	waitDepth(t, ch, b.Topology.DeadQueue(), 1)
	time.Sleep(1100 * time.Millisecond) // x-death times have a one-second resolution
	deadLetters(t, b, p, map[string]string{"new": "y"})
	waitDepth(t, ch, b.Topology.DeadQueue(), 2)
	d := openDead(t, b)
	n, err := d.Purge(context.Background(), time.Hour, time.Now())
	if err != nil || n != 0 {
		t.Fatalf("Purge older than an hour = %d, %v", n, err)
	}
	n, err = d.Purge(context.Background(), 500*time.Millisecond, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("Purge older than 500ms = %d, %v", n, err)
	}
	all, err := d.List(context.Background())
	if err != nil || len(all) != 1 || all[0].ID != "new" {
		t.Fatalf("left %+v, %v", all, err)
	}
	if n, err := d.Depth(); err != nil || n != 1 {
		t.Errorf("Depth = %d, %v", n, err)
	}
}

func TestDeadTTLDropsOldDeadLetters(t *testing.T) {
	b, ch := testBroker(t, 20)
	b.Topology.DeadTTL = 300 * time.Millisecond
	p := publisher(t, b)
	deadLetters(t, b, p, map[string]string{"x": "reason"})
	deadline := time.Now().Add(10 * time.Second)
	for count(t, ch, b.Topology.DeadQueue()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the dead letter outlived the queue's message TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
