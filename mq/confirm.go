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
// instead of silently dropped. RabbitMQ sends basic.return before the basic.ack
// of the same message and the client dispatches frames in order, so the return
// is already in the returns buffer when the ack wakes the publisher; the
// publisher then drains that buffer itself (under mu) rather than relying on
// another goroutine that might not have run yet.
type confirmChannel struct {
	ch      *amqp.Channel
	returns chan amqp.Return

	mu       sync.Mutex
	returned map[string]int // message id → returns not yet claimed by their publisher
}

func newConfirmChannel(conn *amqp.Connection) (*confirmChannel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, err
	}
	c := &confirmChannel{ch: ch, returns: make(chan amqp.Return, 64), returned: map[string]int{}}
	ch.NotifyReturn(c.returns)
	return c, nil
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

func (c *confirmChannel) wasReturned(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for drained := false; !drained; {
		select {
		case r, ok := <-c.returns:
			if !ok {
				drained = true
				break
			}
			c.returned[r.MessageId]++
		default:
			drained = true
		}
	}
	if c.returned[id] == 0 {
		return false
	}
	if c.returned[id]--; c.returned[id] == 0 {
		delete(c.returned, id)
	}
	return true
}
