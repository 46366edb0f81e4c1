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

// Publisher stores messages durably. It keeps one long-lived connection with a
// small pool of confirm-mode channels and replaces the connection, with
// backoff, whenever the broker or the network drops it. It is safe for
// concurrent use; no lock is held while a publish waits for its confirmation.
type Publisher struct {
	b      Broker
	queues map[string]string // kind → work queue, built once: Topology.Queue concatenates per call
	next   atomic.Uint32     // round-robin over the channel pool
	ctx    context.Context
	stop   context.CancelFunc // called by Close
	ended  chan struct{}      // closed when the reconnection loop has returned

	mu   sync.Mutex
	sess *session      // nil while reconnecting
	up   chan struct{} // closed when sess is set again

	redeclaring atomic.Bool // a redeclare runs or ran less than redeclareEvery ago
}

// redeclareEvery spaces the re-declarations of a topology someone deleted.
const redeclareEvery = 2 * time.Second

// session is one connection and its channels. gone is closed once the
// Publisher has noticed that the connection is dead and stopped handing it out.
type session struct {
	conn  *amqp.Connection
	chans []*confirmChannel
	lost  chan struct{} // closed when the connection or any channel closes
	why   error         // the first close reason, set before lost is closed
	gone  chan struct{}
}

// NewPublisher connects, declares the topology and starts watching the
// connection. It retries a failing first connection until ctx ends, so that
// a process may start before the broker; a topology that contradicts the
// existing queues fails at once.
func (b Broker) NewPublisher(ctx context.Context) (*Publisher, error) {
	p := &Publisher{b: b, ended: make(chan struct{}), up: make(chan struct{}), queues: map[string]string{}}
	for _, kind := range []string{KindForm, KindWebhook, Kind1C} {
		p.queues[kind] = b.Topology.Queue(kind)
	}
	p.ctx, p.stop = context.WithCancel(context.Background())
	var s *session
	for n := 0; ; n++ {
		var err error
		if s, err = p.connect(); err == nil {
			break
		}
		if permanent(err) {
			return nil, err
		}
		p.b.logger().Warn("mq: publisher cannot connect, retrying", "err", err)
		if !p.b.sleep(ctx, n) {
			return nil, fmt.Errorf("mq: connect: %w (last error: %v)", ctx.Err(), err)
		}
	}
	p.install(s)
	go p.run(s)
	return p, nil
}

// Publish stores m in the queue of its kind. It returns nil only after the
// broker confirmed the message; a nack, an unroutable message, a timeout or a
// closed Publisher are errors. When the connection drops mid-publish, Publish
// waits for the next connection and publishes again within its deadline: a
// message may then be stored twice, under the same id, which consumers
// deduplicate (the id is the workflow id).
func (p *Publisher) Publish(ctx context.Context, m Message) error {
	queue := p.queues[m.Kind]
	if queue == "" {
		return fmt.Errorf("mq: unknown message kind %q", m.Kind)
	}
	if m.ID == "" {
		return errNoID
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > p.b.confirmTimeout() {
		// Only when the caller's deadline is later or missing: a second
		// timer and context per message (the starter already bounds its
		// publish) cost the ingest path an allocation-heavy registration
		// with the request's context.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.b.confirmTimeout())
		defer cancel()
	}
	pub := m.publishing()
	for {
		s, err := p.session(ctx)
		if err != nil {
			return err
		}
		c := s.chans[int(p.next.Add(1))%len(s.chans)]
		err = c.publish(ctx, "", queue, pub)
		if errors.Is(err, ErrUnroutable) {
			p.redeclare(s)
		}
		if !errors.Is(err, errLost) {
			return err
		}
		select { // wait until the loop has retired s, then try the next one
		case <-s.gone:
		case <-p.ctx.Done():
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", err, ctx.Err())
		}
	}
}

// redeclare declares the topology again in the background after a message
// came back unroutable (a work queue was deleted), so that publishing works
// again as soon as the broker accepts the queue, without a restart. Until
// then publishes fail fast with ErrUnroutable.
func (p *Publisher) redeclare(s *session) {
	if !p.redeclaring.CompareAndSwap(false, true) {
		return
	}
	go func() {
		if err := p.b.declare(s.conn); err != nil {
			p.b.logger().Warn("mq: cannot declare the deleted queues again", "err", err)
		} else {
			p.b.logger().Warn("mq: a work queue was missing and is declared again")
		}
		time.Sleep(redeclareEvery)
		p.redeclaring.Store(false)
	}()
}

// Ping checks the connection with a round trip that also checks that every
// work queue exists (a passive declare on a channel of its own), for
// readiness probes. It does not wait for a reconnection.
func (p *Publisher) Ping(ctx context.Context) error {
	p.mu.Lock()
	s := p.sess
	p.mu.Unlock()
	if s == nil {
		return errors.New("mq: not connected")
	}
	done := make(chan error, 1)
	go func() {
		ch, err := s.conn.Channel()
		if err != nil {
			done <- err
			return
		}
		for _, q := range p.b.Topology.Queues() {
			if _, err := ch.QueueDeclarePassive(q, true, false, false, false, nil); err != nil {
				done <- fmt.Errorf("mq: queue %s: %w", q, err) // the failure closed ch
				return
			}
		}
		done <- ch.Close()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops reconnecting and closes the connection; publishes waiting for a
// confirmation fail.
func (p *Publisher) Close() error {
	p.stop()
	<-p.ended
	return nil
}

// session returns the live session, waiting while the Publisher reconnects.
func (p *Publisher) session(ctx context.Context) (*session, error) {
	for {
		p.mu.Lock()
		s, up := p.sess, p.up
		p.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-up:
		case <-p.ctx.Done():
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, fmt.Errorf("mq: not connected: %w", ctx.Err())
		}
	}
}

func (p *Publisher) install(s *session) {
	p.mu.Lock()
	p.sess = s
	close(p.up)
	p.mu.Unlock()
}

// retire stops handing s out; publishers waiting on s.gone then wait for the next session.
func (p *Publisher) retire(s *session) {
	p.mu.Lock()
	p.sess = nil
	p.up = make(chan struct{})
	close(s.gone)
	p.mu.Unlock()
	s.conn.Close()
}

// run replaces the session each time it dies, until Close.
func (p *Publisher) run(s *session) {
	defer close(p.ended)
	for {
		select {
		case <-s.lost:
			p.b.logger().Warn("mq: publisher connection lost, reconnecting", "err", s.why)
		case <-p.ctx.Done():
			p.retire(s)
			return
		}
		p.retire(s)
		for n := 0; ; n++ {
			var err error
			if s, err = p.connect(); err == nil {
				break
			}
			p.b.logger().Warn("mq: publisher cannot reconnect, retrying", "err", err)
			if !p.b.sleep(p.ctx, n) {
				return
			}
		}
		p.install(s)
		p.b.logger().Info("mq: publisher reconnected")
	}
}

// connect opens a connection, declares the topology and opens the channel pool.
func (p *Publisher) connect() (*session, error) {
	conn, err := p.b.dial("publisher")
	if err != nil {
		return nil, err
	}
	s, err := p.open(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

func (p *Publisher) open(conn *amqp.Connection) (*session, error) {
	if err := p.b.declare(conn); err != nil {
		return nil, err
	}
	n := p.b.PublishChannels
	if n <= 0 {
		n = 4
	}
	s := &session{conn: conn, lost: make(chan struct{}), gone: make(chan struct{})}
	var once sync.Once
	watch := func(c chan *amqp.Error) {
		e, ok := <-c // an error, or closed on a clean close
		once.Do(func() {
			s.why = errors.New("closed")
			if ok && e != nil {
				s.why = e
			}
			close(s.lost)
		})
	}
	go watch(conn.NotifyClose(make(chan *amqp.Error, 1)))
	for range n {
		c, err := newConfirmChannel(conn)
		if err != nil {
			return nil, err
		}
		go watch(c.ch.NotifyClose(make(chan *amqp.Error, 1)))
		s.chans = append(s.chans, c)
	}
	blocked := conn.NotifyBlocked(make(chan amqp.Blocking, 1))
	go func() {
		for b := range blocked {
			// A resource alarm: publishes wait for confirmations until it clears.
			p.b.logger().Warn("mq: broker blocks publishing", "active", b.Active, "reason", b.Reason)
		}
	}()
	return s, nil
}
