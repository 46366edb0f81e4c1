package mq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DeadLetter is one message of the dead-letter queue, as operators see it.
type DeadLetter struct {
	Message
	// Reason says why it was dead-lettered: the consumer's x-reason, or the
	// broker's (delivery_limit, rejected, …) for messages it moved itself.
	Reason string
	// Queue is the work queue it came from (where Replay puts it back).
	Queue string
	// DeadAt is when it was dead-lettered (zero when unknown).
	DeadAt  time.Time
	Headers amqp.Table
}

// deadLetterOf reads what DeadLetter or the broker's dead-lettering wrote.
func deadLetterOf(d *amqp.Delivery) DeadLetter {
	dl := DeadLetter{Message: messageOf(d), Headers: d.Headers}
	dl.Reason, _ = d.Headers[HeaderReason].(string)
	dl.Queue, _ = d.Headers[HeaderOriginalQueue].(string)
	if s, ok := d.Headers[HeaderDeadAt].(string); ok {
		dl.DeadAt, _ = time.Parse(time.RFC3339Nano, s)
	}
	// The broker's own dead-lettering records each death in x-death, newest first.
	if deaths, ok := d.Headers["x-death"].([]any); ok && len(deaths) > 0 {
		if x, ok := deaths[0].(amqp.Table); ok {
			if dl.Reason == "" {
				dl.Reason, _ = x["reason"].(string)
				dl.Reason = "broker: " + dl.Reason
			}
			if dl.Queue == "" {
				dl.Queue, _ = x["queue"].(string)
			}
			if t, ok := x["time"].(time.Time); ok && dl.DeadAt.IsZero() {
				dl.DeadAt = t
			}
		}
	}
	return dl
}

// Age is how long ago the message was dead-lettered, or received when that is unknown.
func (dl DeadLetter) Age(now time.Time) time.Duration {
	if !dl.DeadAt.IsZero() {
		return now.Sub(dl.DeadAt)
	}
	return now.Sub(dl.ReceivedAt)
}

// Dead opens the dead-letter queue for an operator's tool (amoflow dead).
// Every operation reads the whole queue on one channel without acking, then
// acks what it removed; the channel's close puts the rest back in order.
type Dead struct {
	b    Broker
	conn *amqp.Connection
}

// OpenDead connects and declares the topology.
func (b Broker) OpenDead() (*Dead, error) {
	conn, err := b.dial("dead")
	if err != nil {
		return nil, err
	}
	if err := b.declare(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return &Dead{b: b, conn: conn}, nil
}

// Close closes the connection.
func (d *Dead) Close() error { return d.conn.Close() }

// List returns every dead letter, oldest first, and leaves them in the queue.
func (d *Dead) List(ctx context.Context) ([]DeadLetter, error) {
	var all []DeadLetter
	err := d.scan(ctx, func(_ *confirmChannel, m *amqp.Delivery) (bool, error) {
		all = append(all, deadLetterOf(m))
		return false, nil
	})
	return all, err
}

// Replay puts the dead letters whose job id is in ids (every one with all)
// back in the work queue they came from, under the same job id, and removes
// them from the dead-letter queue once the broker confirmed the copy. The
// bridge then starts the job's workflow unless one already ran to
// completion or is running: a replayed job never runs twice. It returns the
// ids replayed.
func (d *Dead) Replay(ctx context.Context, ids []string, all bool) ([]string, error) {
	var done []string
	err := d.scan(ctx, func(pub *confirmChannel, m *amqp.Delivery) (bool, error) {
		dl := deadLetterOf(m)
		if !all && !slices.Contains(ids, dl.ID) {
			return false, nil
		}
		q := dl.Queue
		if !slices.Contains(d.b.Topology.Queues(), q) {
			q = d.b.Topology.Queue(dl.Kind)
		}
		if q == "" {
			return false, fmt.Errorf("dead letter %s: no work queue for kind %q", dl.ID, dl.Kind)
		}
		p := amqp.Publishing{
			Headers:       replayHeaders(m.Headers),
			ContentType:   m.ContentType,
			DeliveryMode:  amqp.Persistent,
			CorrelationId: m.CorrelationId,
			MessageId:     m.MessageId,
			Timestamp:     m.Timestamp,
			Type:          m.Type,
			AppId:         m.AppId,
			Body:          m.Body,
		}
		if err := pub.publish(ctx, "", q, p); err != nil {
			return false, fmt.Errorf("dead letter %s: replay to %s: %w", dl.ID, q, err)
		}
		done = append(done, dl.ID)
		return true, nil
	})
	return done, err
}

// replayHeaders drops what dead-lettering added, so the replayed message
// looks as the starter published it (and its delivery count starts over).
func replayHeaders(h amqp.Table) amqp.Table {
	out := amqp.Table{}
	for k, v := range h {
		switch {
		case k == HeaderReason, k == HeaderOriginalQueue, k == HeaderDeadAt, k == headerDeliveryCount, k == HeaderPutBack,
			k == "x-death", strings.HasPrefix(k, "x-first-death-"), strings.HasPrefix(k, "x-last-death-"):
			continue
		}
		out[k] = v
	}
	return out
}

// Purge removes the dead letters older than age (see DeadLetter.Age) and
// returns how many it removed.
func (d *Dead) Purge(ctx context.Context, age time.Duration, now time.Time) (int, error) {
	n := 0
	err := d.scan(ctx, func(_ *confirmChannel, m *amqp.Delivery) (bool, error) {
		if deadLetterOf(m).Age(now) < age {
			return false, nil
		}
		n++
		return true, nil
	})
	return n, err
}

// Depth is the number of messages ready in the dead-letter queue.
func (d *Dead) Depth() (int, error) {
	ch, err := d.conn.Channel()
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(d.b.Topology.DeadQueue(), true, false, false, false, nil)
	return q.Messages, err
}

// scan gets every message of the dead-letter queue without acking it and
// calls f; a message f reports as removed is acked. Unacked messages return
// to the queue when the channel closes; scan waits (briefly) until the
// broker shows them ready again, so that the next scan sees them.
func (d *Dead) scan(ctx context.Context, f func(pub *confirmChannel, m *amqp.Delivery) (remove bool, err error)) error {
	ch, err := d.conn.Channel()
	if err != nil {
		return err
	}
	pub, err := newConfirmChannel(d.conn)
	if err != nil {
		ch.Close()
		return err
	}
	defer pub.ch.Close()
	q := d.b.Topology.DeadQueue()
	before, err := d.Depth()
	if err != nil {
		ch.Close()
		return err
	}
	removed := 0
	err = func() error {
		defer ch.Close()
		// A replayed job that fails again returns while we scan; the
		// bound keeps such a loop from running on.
		for range 2*before + 100 {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, ok, err := ch.Get(q, false)
			if err != nil || !ok {
				return err
			}
			remove, err := f(pub, &m)
			if err != nil {
				return err
			}
			if remove {
				if err := m.Ack(false); err != nil {
					return err
				}
				removed++
			}
		}
		return nil
	}()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if n, derr := d.Depth(); derr != nil || n >= before-removed {
			break
		}
	}
	return err
}

// ErrNoDeadLetter is returned by Show for an id not in the dead-letter queue.
var ErrNoDeadLetter = errors.New("mq: no such dead letter")

// Show returns the dead letters with job id id (a job dead-lettered twice has two).
func (d *Dead) Show(ctx context.Context, id string) ([]DeadLetter, error) {
	all, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for _, dl := range all {
		if dl.ID == id {
			out = append(out, dl)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	return out, nil
}
