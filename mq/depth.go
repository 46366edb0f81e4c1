package mq

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/metrics"
)

// depths returns the ready messages of every work queue and of the
// dead-letter queue, from passive declares on conn.
func (t Topology) depths(conn *amqp.Connection) (map[string]int, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	out := map[string]int{}
	for _, q := range append(t.Queues(), t.DeadQueue()) {
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		if err != nil {
			return out, err // a missing queue closed ch
		}
		out[q] = st.Messages
	}
	return out, nil
}

// WatchDepth sets metrics.QueueDepth (labelled with the work queue's name)
// and metrics.DeadLetters every interval until ctx ends, on a connection of
// its own that it replaces when it fails. The bridge runs it.
func (b Broker) WatchDepth(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 15 * time.Second
	}
	var conn *amqp.Connection
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if conn == nil || conn.IsClosed() {
			var err error
			if conn, err = b.dial("depth"); err != nil {
				conn = nil
				b.logger().Warn("mq: cannot read queue depths", "err", err)
			}
		}
		if conn != nil {
			d, err := b.Topology.depths(conn)
			b.setDepths(d)
			if err != nil {
				b.logger().Warn("mq: cannot read queue depths", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (b Broker) setDepths(d map[string]int) {
	for q, n := range d {
		if q == b.Topology.DeadQueue() {
			metrics.DeadLetters.Set(float64(n))
		} else {
			metrics.QueueDepth.WithLabelValues(q).Set(float64(n))
		}
	}
}
