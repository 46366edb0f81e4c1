package mq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Handler processes one delivery. It may settle the delivery itself (Ack,
// Nack, DeadLetter); when it does not, Consume acks it after a nil error and
// requeues it after an error. Requeued deliveries count towards the queue's
// delivery limit, after which the broker dead-letters them; a delivery left
// unsettled because the consumer is shutting down does not count (it is
// put back, see giveBack).
type Handler func(ctx context.Context, d *Delivery) error

// ErrSettled is returned when a delivery is settled twice.
var ErrSettled = errors.New("mq: delivery already settled")

// Delivery is a received message and the means to settle it.
type Delivery struct {
	Message
	Queue string
	// DeliveryCount is how many times the broker delivered the message before
	// (quorum queues' x-delivery-count; 0 on the first delivery).
	DeliveryCount int64
	Redelivered   bool
	Headers       amqp.Table
	// Received is when this consumer got the delivery; the broker's
	// consumer_timeout runs from about then (see PutBack).
	Received time.Time

	raw     amqp.Delivery
	dead    *confirmChannel
	topo    Topology
	settled atomic.Bool
}

// Ack removes the message from the queue: it was processed.
func (d *Delivery) Ack() error {
	if !d.settled.CompareAndSwap(false, true) {
		return ErrSettled
	}
	return d.raw.Ack(false)
}

// Nack gives the message back (requeue) or dead-letters it through the
// queue's dead-letter exchange without a reason (no requeue).
func (d *Delivery) Nack(requeue bool) error {
	if !d.settled.CompareAndSwap(false, true) {
		return ErrSettled
	}
	return d.raw.Nack(false, requeue)
}

// DeadLetter moves the message to the dead-letter queue with a reason for the
// operator: it publishes a copy with the x-reason and x-original-queue headers
// to the dead-letter exchange, waits for the confirmation, then acks the
// original. (Rejecting the original instead would route it through the same
// exchange, but a reject cannot carry a reason.) If the copy is not
// confirmed, the original stays unsettled and an error is returned. The reason
// must not hold personal data: it is shown to operators.
func (d *Delivery) DeadLetter(ctx context.Context, reason string) error {
	if d.settled.Load() {
		return ErrSettled
	}
	if len(reason) > 1024 {
		reason = reason[:1024]
	}
	p := d.copy()
	p.Headers[HeaderReason] = reason
	p.Headers[HeaderOriginalQueue] = d.Queue
	p.Headers[HeaderDeadAt] = time.Now().UTC().Format(time.RFC3339Nano)
	if err := d.dead.publish(ctx, d.topo.DeadExchange(), "", p); err != nil {
		return fmt.Errorf("mq: dead-letter %s: %w", d.ID, err)
	}
	return d.Ack()
}

// PutBack returns the message to the tail of its queue without counting a
// failed delivery: it publishes a copy to the queue, waits for the
// confirmation, then acks the original. A consumer that must wait longer
// than the broker lets a delivery stay unacked (RabbitMQ's consumer_timeout,
// 30 minutes by default, after which it closes the channel and counts a
// failed delivery against the delivery limit) puts the message back instead
// of holding it. A crash between the two steps leaves both copies; they have
// the same id, so the job still runs once. If the copy is not confirmed, the
// original stays unsettled and an error is returned.
func (d *Delivery) PutBack(ctx context.Context) error {
	if d.settled.Load() {
		return ErrSettled
	}
	p := d.copy()
	delete(p.Headers, headerDeliveryCount) // the broker's count of the original
	p.Headers[HeaderPutBack] = headerInt(d.Headers[HeaderPutBack]) + 1
	if err := d.dead.publish(ctx, "", d.Queue, p); err != nil {
		return fmt.Errorf("mq: put back %s: %w", d.ID, err)
	}
	return d.Ack()
}

// copy is a publishing of the delivered message with its own header table.
func (d *Delivery) copy() amqp.Publishing {
	h := make(amqp.Table, len(d.raw.Headers)+3)
	for k, v := range d.raw.Headers {
		h[k] = v
	}
	return amqp.Publishing{
		Headers:       h,
		ContentType:   d.raw.ContentType,
		DeliveryMode:  amqp.Persistent,
		CorrelationId: d.raw.CorrelationId,
		MessageId:     d.raw.MessageId,
		Timestamp:     d.raw.Timestamp,
		Type:          d.raw.Type,
		AppId:         d.raw.AppId,
		Priority:      d.raw.Priority,
		Body:          d.raw.Body,
	}
}

// Consume delivers the messages of queue to h until ctx ends, reconnecting
// with backoff whenever the connection drops (unacked messages then return to
// the queue and are delivered again). Up to prefetch messages are unacked at
// once and h runs for them concurrently. It declares the topology first and
// returns early only when that cannot succeed (e.g. the existing queues have
// other arguments); it returns nil when ctx ends.
func (b Broker) Consume(ctx context.Context, queue string, prefetch int, h Handler) error {
	if prefetch < 1 {
		prefetch = 1
	}
	for n := 0; ; n++ {
		start := time.Now()
		err := b.consume(ctx, queue, prefetch, h)
		if ctx.Err() != nil {
			return nil
		}
		if permanent(err) {
			return err
		}
		if time.Since(start) > time.Minute {
			n = 0 // it worked for a while: start the backoff over
		}
		b.logger().Warn("mq: consumer disconnected, reconnecting", "queue", queue, "err", err)
		if !b.sleep(ctx, n) {
			return nil
		}
	}
}

// consume runs one connection until it drops or ctx ends.
func (b *Broker) consume(ctx context.Context, queue string, prefetch int, h Handler) error {
	conn, err := b.dial("consumer " + queue)
	if err != nil {
		return err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	if err := b.declare(conn); err != nil {
		return err
	}
	dead, err := newConfirmChannel(conn)
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return err
	}
	const tag = "amoflow"
	deliveries, err := ch.Consume(queue, tag, false, false, false, false, nil)
	if err != nil {
		return err
	}
	b.logger().Info("mq: consuming", "queue", queue, "prefetch", prefetch)

	// Stop consuming when ctx ends; deliveries already received are put back (giveBack).
	stop := context.AfterFunc(ctx, func() { _ = ch.Cancel(tag, false) }) // a failed cancel: the channel is closing anyway
	defer stop()
	// A dead-letter channel that dies (it should not) would fail every
	// DeadLetter: start over on a new connection instead.
	go func() {
		if e := <-dead.ch.NotifyClose(make(chan *amqp.Error, 1)); e != nil {
			conn.Close()
		}
	}()

	var wg sync.WaitGroup
	for range prefetch {
		wg.Go(func() {
			for raw := range deliveries {
				b.handle(ctx, queue, raw, dead, h)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select {
	case err := <-closed:
		if err != nil {
			return err
		}
	default:
	}
	return errors.New("mq: deliveries stopped (channel closed or consumer cancelled by the broker)")
}

func (b *Broker) handle(ctx context.Context, queue string, raw amqp.Delivery, dead *confirmChannel, h Handler) {
	d := &Delivery{
		Message:     messageOf(&raw),
		Queue:       queue,
		Redelivered: raw.Redelivered,
		Headers:     raw.Headers,
		Received:    time.Now(),
		raw:         raw,
		dead:        dead,
		topo:        b.Topology,
	}
	d.DeliveryCount = headerInt(raw.Headers[headerDeliveryCount])
	if ctx.Err() != nil {
		b.giveBack(queue, d) // shutting down: leave it to the next consumer
		return
	}
	err := h(ctx, d)
	if d.settled.Load() {
		return
	}
	if err != nil && ctx.Err() != nil {
		b.giveBack(queue, d) // stopped by the shutdown, not failed
		return
	}
	if err != nil {
		b.logger().Warn("mq: handler failed, requeueing", "queue", queue, "id", d.ID,
			"delivery_count", d.DeliveryCount, "err", err)
		b.settleFailed(queue, d, d.Nack(true))
		return
	}
	b.settleFailed(queue, d, d.Ack())
}

// giveBack leaves a delivery the consumer is shutting down on to the next
// consumer without counting a failed delivery (PutBack), so that restarts
// never bring a message nearer its delivery limit; if the copy cannot be
// stored it requeues the delivery instead.
func (b *Broker) giveBack(queue string, d *Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.PutBack(ctx); err != nil {
		b.settleFailed(queue, d, d.Nack(true))
	}
}

// settleFailed logs an ack or nack the broker did not take. Nothing else is
// to be done: the channel is closing, so the broker requeues the message,
// and its job id makes the redelivery start nothing twice.
func (b *Broker) settleFailed(queue string, d *Delivery, err error) {
	if err != nil {
		b.logger().Warn("mq: settling failed, the broker will redeliver", "queue", queue, "id", d.ID, "err", err)
	}
}

func headerInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case int16:
		return int64(n)
	case int8:
		return int64(n)
	case uint8:
		return int64(n)
	}
	return 0
}
