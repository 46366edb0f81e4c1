package mq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Errors of a publish. Any of them means the message may not be stored.
var (
	// ErrNacked: the broker refused the message (e.g. a queue in reject-publish overflow).
	ErrNacked = errors.New("mq: broker nacked the message")
	// ErrUnroutable: no queue took the message (it was returned); the topology is missing.
	ErrUnroutable = errors.New("mq: message returned unroutable")
	// ErrClosed: the Publisher was closed.
	ErrClosed = errors.New("mq: publisher closed")
)

// errLost marks a publish cut short by a dying channel or connection; the
// Publisher retries it on the next connection (ids make a repeat harmless).
var errLost = errors.New("mq: connection lost")

// confirmChannel is a channel in confirm mode that many goroutines publish on
// at once: each publish waits only for its own confirmation.
//
// Publishes are mandatory, so that a message no queue takes is reported
// instead of silently dropped. RabbitMQ sends a message's basic.return before
// its basic.ack, and the client's one reader goroutine dispatches them in
// order, handing each return to every channel registered with NotifyReturn,
// one after the other, before it reads on. A goroutine of our own (collect)
// receives on two unbuffered channels registered in this order: returns, which
// it records, and barrier, which it takes only once that record is done. So
// by the time the reader dispatches the ack, the return is in the map: the
// publisher woken by the ack looks it up without a round trip to collect (a
// goroutine hand-off per publish, paid on the closed-loop ingest path), and
// the reader never waits on a publisher, so a burst of unroutable messages
// cannot stall confirmations.
type confirmChannel struct {
	ch *amqp.Channel

	mu       sync.Mutex
	returned map[string]int // message id → returns not yet claimed by their publisher
	pending  atomic.Int32   // len(returned), read without the lock
}

// maxReturned bounds the unclaimed returns kept (their publishers gave up
// before the confirmation arrived).
const maxReturned = 4096

func newConfirmChannel(conn *amqp.Connection) (*confirmChannel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, err
	}
	c := &confirmChannel{ch: ch, returned: map[string]int{}}
	returns := ch.NotifyReturn(make(chan amqp.Return))
	barrier := ch.NotifyReturn(make(chan amqp.Return))
	go c.collect(returns, barrier)
	return c, nil
}

// collect records returns until the channel closes (the client then closes
// both channels). One goroutine takes both, so the reader's send on barrier
// completes only after the return it sent just before is recorded.
func (c *confirmChannel) collect(returns, barrier <-chan amqp.Return) {
	for returns != nil || barrier != nil {
		select {
		case r, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			c.record(r)
		case _, ok := <-barrier:
			if !ok {
				barrier = nil
			}
		}
	}
}

func (c *confirmChannel) record(r amqp.Return) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.returned) >= maxReturned {
		clear(c.returned)
	}
	c.returned[r.MessageId]++
	c.pending.Store(int32(len(c.returned)))
}

// publish returns nil only once the broker confirmed the message.
func (c *confirmChannel) publish(ctx context.Context, exchange, key string, p amqp.Publishing) error {
	if err := p.Headers.Validate(); err != nil {
		return fmt.Errorf("mq: publish: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mq: publish: %w", err)
	}
	dc, err := c.ch.PublishWithDeferredConfirm(exchange, key, true, false, p)
	if err != nil {
		// With valid headers only the transport fails here, and the client
		// then closes the connection (asynchronously: the channel may not
		// look closed yet).
		return fmt.Errorf("%w: %v", errLost, err)
	}
	acked, err := dc.WaitContext(ctx)
	switch {
	case err != nil:
		// The message may still be stored; the caller must treat it as not.
		return fmt.Errorf("mq: no confirmation: %w", err)
	case !acked && c.ch.IsClosed():
		return errLost // closing a channel nacks what it still waits for
	case !acked:
		return ErrNacked
	case c.wasReturned(p.MessageId):
		return fmt.Errorf("%w: no queue %q", ErrUnroutable, key)
	}
	return nil
}

// wasReturned claims a return of message id. Called after the message's
// confirmation, it sees every return the reader dispatched before it
// (collect's barrier); with none unclaimed it takes no lock.
func (c *confirmChannel) wasReturned(id string) bool {
	if c.pending.Load() == 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.returned[id] == 0 {
		return false
	}
	if c.returned[id]--; c.returned[id] == 0 {
		delete(c.returned, id)
		c.pending.Store(int32(len(c.returned)))
	}
	return true
}
