package mq

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/config"
)

// Broker says where RabbitMQ is and how to talk to it. Its zero values for the
// optional fields mean the defaults documented on each.
type Broker struct {
	URL      string
	Topology Topology
	// Name labels this process's connections in RabbitMQ's connection list.
	Name   string
	Logger *slog.Logger
	// PublishChannels is the size of a Publisher's confirm-mode channel pool
	// (default 4): more channels let the broker handle publishes in parallel.
	PublishChannels int
	// ConfirmTimeout bounds a Publish whose context has no earlier deadline,
	// including the wait for a reconnection (default 5 s).
	ConfirmTimeout time.Duration
	// MaxBackoff caps the wait between reconnection attempts (default 5 s).
	MaxBackoff time.Duration

	// netDial replaces the TCP dialer; tests use it to cut connections.
	netDial func(network, addr string) (net.Conn, error)
}

// FromConfig is the production Broker for the rabbitmq: section.
func FromConfig(c config.RabbitMQ, name string) Broker {
	t := DefaultTopology(c.DeliveryLimit)
	if c.Prefix != "" {
		t.Prefix = c.Prefix
	}
	t.MaxLength = c.MaxLength
	t.DeadTTL = c.DeadTTL
	return Broker{URL: c.URL, Topology: t, Name: name}
}

func (b *Broker) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

func (b *Broker) confirmTimeout() time.Duration {
	if b.ConfirmTimeout > 0 {
		return b.ConfirmTimeout
	}
	return 5 * time.Second
}

// dial opens one connection. role tells connections of one process apart.
func (b *Broker) dial(role string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	name := role
	if b.Name != "" {
		name = b.Name + " " + role
	}
	props.SetClientConnectionName(name)
	cfg := amqp.Config{
		Heartbeat:  10 * time.Second,
		Locale:     "en_US",
		Properties: props,
		Dial:       b.netDial,
	}
	if cfg.Dial == nil {
		cfg.Dial = amqp.DefaultDial(5 * time.Second)
	}
	return amqp.DialConfig(b.URL, cfg)
}

// declare declares the topology on channels of its own, so that a
// PRECONDITION_FAILED closes only those.
func (b *Broker) declare(conn *amqp.Connection) error {
	return b.Topology.Declare(conn, b.logger())
}

// Declare connects once and declares the topology, e.g. for `amoflow migrate`.
func (b Broker) Declare() error {
	conn, err := b.dial("declare")
	if err != nil {
		return err
	}
	defer conn.Close()
	return b.declare(conn)
}

// sleep waits before reconnection attempt n (0-based): capped exponential
// backoff with jitter, so that many processes do not reconnect in lockstep.
// It reports false when ctx ended first.
func (b *Broker) sleep(ctx context.Context, n int) bool {
	limit := b.MaxBackoff
	if limit <= 0 {
		limit = 5 * time.Second
	}
	d := 100 * time.Millisecond << min(n, 10)
	d = min(d, limit)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// permanent reports errors that reconnecting cannot fix: a topology that
// contradicts the existing queues, or credentials the broker refuses.
func permanent(err error) bool {
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.PreconditionFailed, amqp.AccessRefused, amqp.NotAllowed:
			return true
		}
	}
	return false
}
