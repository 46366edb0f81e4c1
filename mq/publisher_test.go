package mq

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestPublishConfirmedRoundTrip(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)

	at := time.Date(2025, 3, 1, 10, 20, 30, 123456789, time.UTC)
	m := Message{ID: "form-retail-abc", Kind: KindForm, Account: "retail", ReceivedAt: at, Body: []byte(`{"a":1}`)}
	if err := p.Publish(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	d := get(t, ch, b.Topology.Queue(KindForm))
	if d.MessageId != m.ID || d.ContentType != "application/json" || d.DeliveryMode != amqp.Persistent {
		t.Errorf("properties: id %q, content type %q, delivery mode %d", d.MessageId, d.ContentType, d.DeliveryMode)
	}
	if string(d.Body) != `{"a":1}` {
		t.Errorf("body %s", d.Body)
	}
	want := amqp.Table{HeaderKind: "form", HeaderAccount: "retail", HeaderReceivedAt: "2025-03-01T10:20:30.123456789Z"}
	for k, v := range want {
		if d.Headers[k] != v {
			t.Errorf("header %s = %v, want %v", k, d.Headers[k], v)
		}
	}
	if got := messageOf(&d); got.ID != m.ID || got.Kind != m.Kind || got.Account != m.Account || !got.ReceivedAt.Equal(at) {
		t.Errorf("messageOf = %+v", got)
	}
	for _, q := range []string{b.Topology.Queue(KindWebhook), b.Topology.Queue(Kind1C)} {
		if n := count(t, ch, q); n != 0 {
			t.Errorf("%s holds %d messages", q, n)
		}
	}
}

func TestPublishRejectsBadMessages(t *testing.T) {
	b, _ := testBroker(t, 20)
	p := publisher(t, b)
	if err := p.Publish(context.Background(), Message{ID: "x", Kind: "fax"}); err == nil {
		t.Error("unknown kind published")
	}
	if err := p.Publish(context.Background(), Message{Kind: KindForm}); err == nil {
		t.Error("message without id published")
	}
}

func TestDeclareTwice(t *testing.T) {
	b, _ := testBroker(t, 20)
	for i := range 2 {
		if err := b.Declare(); err != nil {
			t.Fatalf("declare %d: %v", i, err)
		}
	}
	p, err := b.NewPublisher(context.Background())
	if err != nil {
		t.Fatalf("publisher over a declared topology: %v", err)
	}
	_ = p.Close()

	// Another delivery limit contradicts the queues: fail at once, do not retry.
	b.Topology.DeliveryLimit = 3
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := b.NewPublisher(ctx); err == nil || !permanent(err) {
		t.Fatalf("changed delivery limit: err = %v, want PRECONDITION_FAILED", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("a permanent error was retried")
	}
}

func TestPublishUnroutable(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	if _, err := ch.QueueDelete(b.Topology.Queue(KindWebhook), false, false, false); err != nil {
		t.Fatal(err)
	}
	err := p.Publish(context.Background(), Message{ID: "wh-1", Kind: KindWebhook, Body: []byte(`{}`)})
	if !errors.Is(err, ErrUnroutable) {
		t.Fatalf("publish to a deleted queue: %v, want ErrUnroutable", err)
	}
	// The other queues still work, on every channel of the pool.
	for i := range 8 {
		if err := p.Publish(context.Background(), Message{ID: fmt.Sprint("f-", i), Kind: KindForm, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPublishConcurrent(t *testing.T) {
	b, ch := testBroker(t, 20)
	p := publisher(t, b)
	const workers, each = 50, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m := Message{ID: fmt.Sprintf("form-%d-%d", w, i), Kind: KindForm, Body: []byte(`{}`)}
				if err := p.Publish(context.Background(), m); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, ch, b.Topology.Queue(KindForm)); n != workers*each {
		t.Errorf("queue holds %d messages, want %d", n, workers*each)
	}
}

func TestPublisherReconnectsAfterCut(t *testing.T) {
	b, ch := testBroker(t, 20)
	var c cutter
	b.netDial = c.dial
	p := publisher(t, b)
	publish := func(id string) error {
		return p.Publish(context.Background(), Message{ID: id, Kind: KindForm, Body: []byte(`{}`)})
	}
	if err := publish("before"); err != nil {
		t.Fatal(err)
	}
	c.cut(false)
	if err := publish("after"); err != nil {
		t.Fatalf("publish after the connection was cut: %v", err)
	}
	if c.dialCount() < 2 {
		t.Errorf("dialed %d times, want a reconnection", c.dialCount())
	}
	if err := p.Ping(context.Background()); err != nil {
		t.Errorf("ping after reconnect: %v", err)
	}
	for _, want := range []string{"before", "after"} {
		if d := get(t, ch, b.Topology.Queue(KindForm)); d.MessageId != want {
			t.Errorf("got %q, want %q", d.MessageId, want)
		}
	}
}

// TestPublisherReconnectsAfterServerClose has the broker close the connection
// (as on a broker restart or an operator's close_connection).
func TestPublisherReconnectsAfterServerClose(t *testing.T) {
	if _, err := exec.LookPath("rabbitmqctl"); err != nil {
		t.Skip("rabbitmqctl not installed")
	}
	b, ch := testBroker(t, 20)
	b.Name = "amoflow-test-" + randomHex(6)
	var c cutter
	b.netDial = c.dial
	p := publisher(t, b)

	out, err := exec.Command("rabbitmqctl", "-q", "list_connections", "pid", "client_properties").CombinedOutput()
	if err != nil {
		t.Skipf("rabbitmqctl list_connections: %v %s", err, out)
	}
	var pid string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, b.Name) {
			pid = strings.Fields(line)[0]
		}
	}
	if pid == "" {
		t.Fatalf("connection %s not listed:\n%s", b.Name, out)
	}
	if out, err := exec.Command("rabbitmqctl", "close_connection", pid, "test: broker closes").CombinedOutput(); err != nil {
		t.Fatalf("close_connection: %v %s", err, out)
	}
	for deadline := time.Now().Add(5 * time.Second); c.dialCount() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the publisher did not reconnect")
		}
	}
	if err := p.Publish(context.Background(), Message{ID: "after-close", Kind: Kind1C, Body: []byte(`{}`)}); err != nil {
		t.Fatalf("publish after the broker closed the connection: %v", err)
	}
	if d := get(t, ch, b.Topology.Queue(Kind1C)); d.MessageId != "after-close" {
		t.Errorf("got %q", d.MessageId)
	}
}

func TestPublishFailsWhileDown(t *testing.T) {
	b, _ := testBroker(t, 20)
	var c cutter
	b.netDial = c.dial
	p, err := b.NewPublisher(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.cut(true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := p.Publish(ctx, Message{ID: "x", Kind: KindForm, Body: []byte(`{}`)}); err == nil {
		t.Fatal("publish succeeded without a broker")
	}
	if err := p.Ping(context.Background()); err == nil {
		t.Error("ping succeeded without a broker")
	}
	_ = p.Close()
	if err := p.Publish(context.Background(), Message{ID: "x", Kind: KindForm}); !errors.Is(err, ErrClosed) {
		t.Errorf("publish after Close: %v", err)
	}
}

// The Publisher's kind → queue table is Topology's: every work queue is
// reachable, and an unknown kind is refused without publishing.
func TestPublisherQueuesAreTheTopologys(t *testing.T) {
	b, _ := testBroker(t, 20)
	p := publisher(t, b)
	var got []string
	for _, q := range p.queues {
		got = append(got, q)
	}
	want := b.Topology.Queues()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("publisher queues %v, topology %v", got, want)
	}
	if err := p.Publish(context.Background(), Message{ID: "x", Kind: "fax", Body: []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "unknown message kind") {
		t.Errorf("unknown kind: %v", err)
	}
}

// While the broker is away a Publish waits for the reconnection: until the
// caller's deadline when it is the earlier, else for ConfirmTimeout.
func TestPublishTimeoutIsTheEarlierDeadline(t *testing.T) {
	b, _ := testBroker(t, 20)
	var c cutter
	b.netDial = c.dial
	b.ConfirmTimeout = 600 * time.Millisecond
	p := publisher(t, b)
	c.cut(true)
	for _, tc := range []struct {
		name     string
		deadline time.Duration // 0: none
		min, max time.Duration
	}{
		{"no deadline", 0, 550 * time.Millisecond, 3 * time.Second},
		{"later deadline", time.Minute, 550 * time.Millisecond, 3 * time.Second},
		{"earlier deadline", 150 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond},
	} {
		ctx := context.Background()
		if tc.deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.deadline)
			defer cancel()
		}
		start := time.Now()
		err := p.Publish(ctx, Message{ID: "t-" + tc.name, Kind: KindForm, Body: []byte(`{}`)})
		took := time.Since(start)
		if err == nil {
			t.Fatalf("%s: publish succeeded without a broker", tc.name)
		}
		if took < tc.min || took > tc.max {
			t.Errorf("%s: gave up after %v, want %v–%v", tc.name, took, tc.min, tc.max)
		}
	}
}

// BenchmarkPublish is a closed loop of 16 publishers through one Publisher;
// BenchmarkPublishBare is the same loop on the bare client (bench/ingest's
// baseline: a round-robin pool of confirm channels, no headers, not
// mandatory). Run both in one invocation to compare them under the same load.
func BenchmarkPublish(b *testing.B) {
	br, _ := testBroker(b, 20)
	p, err := br.NewPublisher(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	body := []byte(`{"job_id":"form-retail-0","fields":{"phone":"+79161234567"}}`)
	now := time.Now()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // as the starter bounds a publish
			err := p.Publish(ctx, Message{ID: "bench", Kind: KindForm, Account: "retail", ReceivedAt: now, Body: body})
			cancel()
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkPublishBare(b *testing.B) {
	br, _ := testBroker(b, 20)
	p, err := br.NewPublisher(context.Background()) // declares the queue
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	conn, err := amqp.Dial(testURL())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var chans []*amqp.Channel
	for range 4 {
		ch, err := conn.Channel()
		if err != nil {
			b.Fatal(err)
		}
		if err := ch.Confirm(false); err != nil {
			b.Fatal(err)
		}
		chans = append(chans, ch)
	}
	var next atomic.Uint32
	queue := br.Topology.Queue(KindForm)
	body := []byte(`{"job_id":"form-retail-0","fields":{"phone":"+79161234567"}}`)
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			ch := chans[int(next.Add(1))%len(chans)]
			dc, err := ch.PublishWithDeferredConfirm("", queue, false, false, amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body})
			if err == nil {
				var acked bool
				if acked, err = dc.WaitContext(ctx); err == nil && !acked {
					err = ErrNacked
				}
			}
			cancel()
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
