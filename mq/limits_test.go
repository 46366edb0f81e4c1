package mq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/metrics"
)

// A burst of unroutable messages on one channel, more than the returns
// buffer holds, used to block the client's reader (and with it every
// confirmation) until the publisher timed out.
func TestUnroutableBurstDoesNotBlockConfirmations(t *testing.T) {
	b, _ := testBroker(t, 20)
	conn, err := b.dial("burst")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := newConfirmChannel(conn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 500
	var wg sync.WaitGroup
	var unroutable, other atomic.Int32
	for i := range n {
		wg.Go(func() {
			err := c.publish(ctx, "", "amoflowtest.no-such-queue."+randomHex(4), amqp.Publishing{MessageId: fmt.Sprint("m-", i), Body: []byte(`{}`)})
			if errors.Is(err, ErrUnroutable) {
				unroutable.Add(1)
			} else {
				other.Add(1)
				t.Logf("publish %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if unroutable.Load() != n {
		t.Fatalf("%d of %d publishes reported unroutable, %d other results", unroutable.Load(), n, other.Load())
	}
	c.mu.Lock()
	left := len(c.returned)
	c.mu.Unlock()
	if left != 0 {
		t.Errorf("%d returns left unclaimed", left)
	}
}

// A work queue deleted under load: RabbitMQ 3.10 closes the publishing
// connection with INTERNAL_ERROR, the Publisher reconnects and declares the
// queue again; no publish hangs, and every failure is one the starter
// answers with 503 at once (never a timeout).
func TestQueueDeletedUnderLoadRecovers(t *testing.T) {
	b, ch := testBroker(t, 20)
	b.PublishChannels = 2
	p := publisher(t, b)
	q := b.Topology.Queue(KindForm)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var ok atomic.Int32
	var other sync.Map
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				err := p.Publish(context.Background(), Message{ID: fmt.Sprintf("f-%d-%d", w, i), Kind: KindForm, Body: []byte(`{}`)})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrUnroutable), errors.Is(err, ErrNacked): // a quorum queue being deleted nacks
				default:
					other.Store(err.Error(), true)
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := ch.QueueDelete(q, false, false, false); err != nil {
		t.Fatal(err)
	}
	before := ok.Load()
	for deadline := time.Now().Add(10 * time.Second); ok.Load() < before+100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wg.Wait()
	other.Range(func(k, _ any) bool {
		t.Errorf("publish failed otherwise than unroutable or refused: %v", k)
		return true
	})
	if ok.Load() < before+100 {
		t.Errorf("publishing did not recover: %d ok before, %d after", before, ok.Load())
	}
	if err := p.Ping(context.Background()); err != nil {
		t.Errorf("Ping after recovery: %v", err)
	}
}

// A work queue deleted while nothing publishes: readiness fails; the first
// publish fails fast as unroutable and has the Publisher declare the queue
// again, after which publishing and readiness recover.
func TestDeletedQueueFailsFastThenComesBack(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	if err := p.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDelete(b.Topology.Queue(Kind1C), false, false, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Ping(context.Background()); err == nil {
		t.Fatal("Ping passed with a work queue missing")
	}
	err := p.Publish(context.Background(), Message{ID: "c-0", Kind: Kind1C, Body: []byte(`{}`)})
	if !errors.Is(err, ErrUnroutable) {
		t.Fatalf("publish to the deleted queue: %v, want ErrUnroutable", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := p.Publish(context.Background(), Message{ID: "c-1", Kind: Kind1C, Body: []byte(`{}`)})
		if err == nil {
			break
		}
		if !errors.Is(err, ErrUnroutable) || time.Now().After(deadline) {
			t.Fatalf("publish after the queue was deleted: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := p.Ping(context.Background()); err != nil {
		t.Errorf("Ping after recovery: %v", err)
	}
	if d := get(t, ch, b.Topology.Queue(Kind1C)); d.MessageId != "c-1" {
		t.Errorf("got %q", d.MessageId)
	}
}

func TestFullQueueRefusesPublishes(t *testing.T) {
	b, ch := testBroker(t, 20)
	b.Topology.MaxLength = 3
	p := publisher(t, b)
	// A quorum queue applies its limit once it is reached, so it may take
	// one message more; after that it refuses.
	var err error
	stored := 0
	for ; stored < 10; stored++ {
		err = p.Publish(context.Background(), Message{ID: fmt.Sprint("w-", stored), Kind: KindWebhook, Body: []byte(`{}`)})
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrNacked) || stored < 3 || stored > 4 {
		t.Fatalf("publish to a full queue: %d stored, then %v; want 3 or 4, then ErrNacked", stored, err)
	}
	// Other queues are not affected, and a consumed message makes room.
	if err := p.Publish(context.Background(), Message{ID: "f-0", Kind: KindForm, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	get(t, ch, b.Topology.Queue(KindWebhook))
	if err := p.Publish(context.Background(), Message{ID: "w-4", Kind: KindWebhook, Body: []byte(`{}`)}); err != nil {
		t.Logf("still full after one get (%v); a second get", err)
		get(t, ch, b.Topology.Queue(KindWebhook))
		if err := p.Publish(context.Background(), Message{ID: "w-5", Kind: KindWebhook, Body: []byte(`{}`)}); err != nil {
			t.Fatalf("publish after messages were consumed: %v", err)
		}
	}
}

// Queues declared before the limits were configured keep working: Declare
// warns instead of failing, while a contradicting delivery limit still fails.
func TestLimitsOnExistingQueuesAreNotFatal(t *testing.T) {
	b, ch := testBroker(t, 20)
	if err := b.Declare(); err != nil {
		t.Fatal(err)
	}
	b.Topology.MaxLength = 10
	b.Topology.DeadTTL = time.Hour
	if err := b.Declare(); err != nil {
		t.Fatalf("adding limits to existing queues: %v", err)
	}
	// Queues created with limits, then declared with other limits.
	for _, q := range append(b.Topology.Queues(), b.Topology.DeadQueue()) {
		_, _ = ch.QueueDelete(q, false, false, false)
	}
	if err := b.Declare(); err != nil {
		t.Fatal(err)
	}
	b.Topology.MaxLength = 20
	b.Topology.DeadTTL = 0
	if err := b.Declare(); err != nil {
		t.Fatalf("other limits on existing queues: %v", err)
	}
	b.Topology.DeliveryLimit = 3
	if err := b.Declare(); err == nil || !permanent(err) {
		t.Fatalf("changed delivery limit: %v, want PRECONDITION_FAILED", err)
	}
}

func TestWatchDepthSetsGauges(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	for i := range 3 {
		if err := p.Publish(context.Background(), Message{ID: fmt.Sprint("f-", i), Kind: KindForm, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.Publish(b.Topology.DeadExchange(), "", false, false, amqp.Publishing{MessageId: "d-1", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.WatchDepth(ctx, 50*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		forms := testutil.ToFloat64(metrics.QueueDepth.WithLabelValues(b.Topology.Queue(KindForm)))
		dead := testutil.ToFloat64(metrics.DeadLetters)
		if forms == 3 && dead == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gauges: forms %v, dead %v; want 3 and 1", forms, dead)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
