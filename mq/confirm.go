package mq

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
// instead of silently dropped. The client delivers basic.return on a Go
// channel from its one reader goroutine and blocks that reader while the
// channel is full; so a goroutine of our own (collect) drains the returns at
// all times into a map, and the reader never waits on a publisher — a burst
// of unroutable messages cannot stall confirmations. RabbitMQ sends a
// message's basic.return before its basic.ack and the reader dispatches them
// in order, so when the ack wakes the publisher the return has left the
// reader; the publisher then asks collect (sync) to finish what it holds
// before looking the message up.
type confirmChannel struct {
	ch      *amqp.Channel
	returns chan amqp.Return
	syncs   chan chan struct{}
	stopped chan struct{} // closed when collect returns

	mu       sync.Mutex
	returned map[string]int // message id → returns not yet claimed by their publisher
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
	c := &confirmChannel{ch: ch, returns: make(chan amqp.Return, 64), syncs: make(chan chan struct{}), stopped: make(chan struct{}), returned: map[string]int{}}
	ch.NotifyReturn(c.returns)
	go c.collect()
	return c, nil
}

// collect records returns until the channel closes (the client then closes returns).
func (c *confirmChannel) collect() {
	closed := false
	for !closed {
		select {
		case r, ok := <-c.returns:
			if !ok {
				closed = true
				break
			}
			c.record(r)
		case done := <-c.syncs:
			c.drain()
			close(done)
		}
	}
	close(c.stopped)
}

func (c *confirmChannel) record(r amqp.Return) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.returned) >= maxReturned {
		clear(c.returned)
	}
	c.returned[r.MessageId]++
}

// drain records the returns already buffered.
func (c *confirmChannel) drain() {
	for {
		select {
		case r, ok := <-c.returns:
			if !ok {
				return
			}
			c.record(r)
		default:
			return
		}
	}
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

// wasReturned claims a return of message id, after collect has recorded
// every return the reader handed over before the ack.
func (c *confirmChannel) wasReturned(id string) bool {
	done := make(chan struct{})
	select {
	case c.syncs <- done:
		<-done
	case <-c.stopped: // the channel closed: every return is recorded
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.returned[id] == 0 {
		return false
	}
	if c.returned[id]--; c.returned[id] == 0 {
		delete(c.returned, id)
	}
	return true
}
