package mq

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// These tests need the RabbitMQ that `make services` starts; set
// AMOFLOW_TEST_RABBITMQ_URL to use another one. Each test declares its own
// topology under a random prefix and deletes it afterwards.

func testURL() string {
	if u := os.Getenv("AMOFLOW_TEST_RABBITMQ_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// testBroker is a Broker on a fresh topology, with a channel for inspecting it.
func testBroker(t testing.TB, deliveryLimit int) (Broker, *amqp.Channel) {
	t.Helper()
	if testing.Short() { // as testrig.NeedsServers does (testrig imports this package)
		t.Skip("needs RabbitMQ: runs without -short (make test)")
	}
	conn, err := amqp.Dial(testURL())
	if err != nil {
		t.Fatalf("no RabbitMQ at %s (run make services): %v", testURL(), err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	b := Broker{
		URL:        testURL(),
		Topology:   Topology{Prefix: "amoflowtest." + randomHex(6), DeliveryLimit: deliveryLimit},
		Name:       t.Name(),
		MaxBackoff: 200 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	t.Cleanup(func() {
		for _, q := range append(b.Topology.Queues(), b.Topology.DeadQueue()) {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(b.Topology.DeadExchange(), false, false)
		conn.Close()
	})
	return b, ch
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// get waits up to 5 s for a message in queue and takes it.
func get(t testing.TB, ch *amqp.Channel, queue string) amqp.Delivery {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatalf("get %s: %v", queue, err)
		}
		if ok {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message in %s", queue)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count is the number of ready messages in queue.
func count(t testing.TB, ch *amqp.Channel, queue string) int {
	t.Helper()
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspect %s: %v", queue, err)
	}
	return q.Messages
}

// cutter records the TCP connections a Broker makes, so a test can break them
// the way a dying broker or network would.
type cutter struct {
	mu     sync.Mutex
	conns  []net.Conn
	dials  int
	refuse bool // the broker is down
}

func (c *cutter) dial(network, addr string) (net.Conn, error) {
	c.mu.Lock()
	refuse := c.refuse
	c.mu.Unlock()
	if refuse {
		return nil, errors.New("test: broker down")
	}
	conn, err := amqp.DefaultDial(5*time.Second)(network, addr)
	if err == nil {
		c.mu.Lock()
		c.conns = append(c.conns, conn)
		c.dials++
		c.mu.Unlock()
	}
	return conn, err
}

// cut breaks every connection; down also refuses new ones.
func (c *cutter) cut(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse = down
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
}

func (c *cutter) dialCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dials
}
