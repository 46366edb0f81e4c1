package mq

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// consume runs b.Consume in the background until the test ends.
func consume(t *testing.T, b Broker, queue string, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Consume(ctx, queue, 4, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Consume: %v", err)
		}
	})
}

func publisher(t *testing.T, b Broker) *Publisher {
	t.Helper()
	p, err := b.NewPublisher(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestConsumeAckAndDeadLetterWithReason(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	at := time.Now().UTC().Truncate(time.Millisecond)
	got := make(chan Message, 2)
	consume(t, b, b.Topology.Queue(KindWebhook), func(ctx context.Context, d *Delivery) error {
		got <- d.Message
		if d.ID == "bad" {
			return d.DeadLetter(ctx, "unknown webhook method")
		}
		return nil // acked by Consume
	})
	for _, id := range []string{"good", "bad"} {
		m := Message{ID: id, Kind: KindWebhook, Account: "corp", ReceivedAt: at, Body: []byte(`{"id":"` + id + `"}`)}
		if err := p.Publish(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		select {
		case m := <-got:
			if m.Kind != KindWebhook || m.Account != "corp" || !m.ReceivedAt.Equal(at) || string(m.Body) != `{"id":"`+m.ID+`"}` {
				t.Errorf("delivered %+v", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered")
		}
	}
	d := get(t, ch, b.Topology.DeadQueue())
	if d.MessageId != "bad" || d.Headers[HeaderReason] != "unknown webhook method" ||
		d.Headers[HeaderOriginalQueue] != b.Topology.Queue(KindWebhook) || d.Headers[HeaderAccount] != "corp" {
		t.Errorf("dead letter: id %q headers %v", d.MessageId, d.Headers)
	}
	time.Sleep(100 * time.Millisecond)
	if n := count(t, ch, b.Topology.DeadQueue()); n != 0 {
		t.Errorf("%d more dead letters", n)
	}
	if n := count(t, ch, b.Topology.Queue(KindWebhook)); n != 0 {
		t.Errorf("%d messages left in the queue", n)
	}
}

func TestDeliveryLimitDeadLetters(t *testing.T) {
	const limit = 2
	b, ch := testBroker(t, limit)
	p := publisher(t, b)
	var deliveries atomic.Int32
	var mu sync.Mutex
	var counts []int64
	consume(t, b, b.Topology.Queue(Kind1C), func(ctx context.Context, d *Delivery) error {
		deliveries.Add(1)
		mu.Lock()
		counts = append(counts, d.DeliveryCount)
		mu.Unlock()
		return errors.New("1C is down")
	})
	if err := p.Publish(context.Background(), Message{ID: "poison", Kind: Kind1C, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	d := get(t, ch, b.Topology.DeadQueue())
	if d.MessageId != "poison" {
		t.Errorf("dead letter %q", d.MessageId)
	}
	if r := d.Headers["x-first-death-reason"]; r != "delivery_limit" {
		t.Errorf("x-first-death-reason = %v, want delivery_limit", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := deliveries.Load(); n != limit+1 {
		t.Errorf("delivered %d times (counts %v), want %d", n, counts, limit+1)
	}
}

// PutBack moves a message to the tail of its queue without counting a failed
// delivery: a message put back more often than the delivery limit is not
// dead-lettered, keeps its headers and counts its put-backs.
func TestPutBackDoesNotCountTowardsTheDeliveryLimit(t *testing.T) {
	const limit, putBacks = 2, 5
	b, ch := testBroker(t, limit)
	p := publisher(t, b)
	type seen struct{ count, putBack int64 }
	got := make(chan seen, putBacks+2)
	consume(t, b, b.Topology.Queue(KindForm), func(ctx context.Context, d *Delivery) error {
		n := headerInt(d.Headers[HeaderPutBack])
		if d.Account != "retail" || d.ID != "waiting" {
			t.Errorf("put back as %q of %q", d.ID, d.Account)
		}
		got <- seen{d.DeliveryCount, n}
		if n < putBacks {
			return d.PutBack(ctx)
		}
		return nil
	})
	if err := p.Publish(context.Background(), Message{ID: "waiting", Kind: KindForm, Account: "retail", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for i := range int64(putBacks + 1) {
		select {
		case s := <-got:
			if s.putBack != i || s.count != 0 {
				t.Errorf("delivery %d: put back %d times, delivery count %d; want %d, 0", i, s.putBack, s.count, i)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("delivery %d never came", i)
		}
	}
	time.Sleep(100 * time.Millisecond)
	nothingLeft(t, b, ch, KindForm)
}

// A delivery left unsettled by a consumer shutting down goes back without
// counting: restarts never dead-letter a message, even at a delivery limit of 1.
func TestShutdownDoesNotCountADelivery(t *testing.T) {
	b, ch := testBroker(t, 1)
	p := publisher(t, b)
	if err := p.Publish(context.Background(), Message{ID: "in-flight", Kind: KindForm, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for run := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan int64, 1)
		done := make(chan error, 1)
		go func() {
			done <- b.Consume(ctx, b.Topology.Queue(KindForm), 1, func(hctx context.Context, d *Delivery) error {
				got <- d.DeliveryCount
				if run < 2 {
					<-hctx.Done() // working when the consumer stops
					return hctx.Err()
				}
				return nil
			})
		}()
		select {
		case n := <-got:
			if n != 0 {
				t.Errorf("run %d: delivery count %d, want 0", run, n)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d: nothing delivered", run)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	nothingLeft(t, b, ch, KindForm)
}

// nothingLeft fails the test if kind's queue or the dead-letter queue holds a message.
func nothingLeft(t *testing.T, b Broker, ch *amqp.Channel, kind string) {
	t.Helper()
	if n := count(t, ch, b.Topology.DeadQueue()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	if n := count(t, ch, b.Topology.Queue(kind)); n != 0 {
		t.Errorf("%d messages left in the queue", n)
	}
}

// A handler that finishes its work while the consumer shuts down is acked,
// not put back: the message is done and must not come again.
func TestShutdownAcksAFinishedDelivery(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	if err := p.Publish(context.Background(), Message{ID: "finishing", Kind: KindForm, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.Consume(ctx, b.Topology.Queue(KindForm), 1, func(hctx context.Context, d *Delivery) error {
			close(got)
			<-hctx.Done()
			return nil // done all the same
		})
	}()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	nothingLeft(t, b, ch, KindForm)
}

func TestNackWithoutRequeueDeadLetters(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	consume(t, b, b.Topology.Queue(KindForm), func(ctx context.Context, d *Delivery) error {
		if err := d.Nack(false); err != nil {
			return err
		}
		if err := d.Ack(); !errors.Is(err, ErrSettled) {
			t.Errorf("second settle: %v", err)
		}
		return nil
	})
	if err := p.Publish(context.Background(), Message{ID: "rejected", Kind: KindForm, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if d := get(t, ch, b.Topology.DeadQueue()); d.Headers["x-first-death-reason"] != "rejected" {
		t.Errorf("dead letter headers %v", d.Headers)
	}
}

func TestConsumerReconnects(t *testing.T) {
	b, _ := testBroker(t, 20)
	p := publisher(t, b)
	var c cutter
	cb := b
	cb.netDial = c.dial
	got := make(chan string, 4)
	consume(t, cb, b.Topology.Queue(KindForm), func(ctx context.Context, d *Delivery) error {
		got <- d.ID
		return nil
	})
	receive := func(want string) {
		t.Helper()
		if err := p.Publish(context.Background(), Message{ID: want, Kind: KindForm, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-got:
			if id != want {
				t.Errorf("got %q, want %q", id, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s not delivered", want)
		}
	}
	receive("first")
	c.cut(true) // down for a while
	time.Sleep(300 * time.Millisecond)
	c.cut(false)
	receive("second")
	if c.dialCount() < 2 {
		t.Errorf("dialed %d times", c.dialCount())
	}
}

func TestConsumeReturnsOnContradictingTopology(t *testing.T) {
	b, _ := testBroker(t, 20)
	if err := b.Declare(); err != nil {
		t.Fatal(err)
	}
	b.Topology.DeliveryLimit = 5
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := b.Consume(ctx, b.Topology.Queue(KindForm), 1, func(context.Context, *Delivery) error { return nil })
	if err == nil || !permanent(err) {
		t.Fatalf("Consume = %v, want PRECONDITION_FAILED", err)
	}
}
