package mq

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Topology names and declares the queues. With the default prefix "amoflow":
//
//	amoflow.forms, amoflow.webhooks, amoflow.1c  durable quorum queues, one per Kind,
//	                                             fed through the default exchange
//	amoflow.dlx                                  durable fanout exchange, their dead-letter exchange
//	amoflow.dead                                 durable quorum queue bound to amoflow.dlx
//
// A work queue dead-letters a message after DeliveryLimit failed deliveries.
// Dead-lettering is at-least-once (the broker republishes with confirms), which
// RabbitMQ only allows together with x-overflow=reject-publish. With MaxLength
// set, a full work queue refuses (nacks) new messages, so the starter answers
// 503 at once instead of letting the backlog grow without bound. The dead
// queue drops a message DeadTTL after it arrived, so personal data in it does
// not stay forever.
type Topology struct {
	Prefix        string
	DeliveryLimit int
	// MaxLength caps the ready messages of each work queue (0: no cap).
	MaxLength int
	// DeadTTL is how long a dead letter is kept (0: forever).
	DeadTTL time.Duration
}

// DefaultTopology is the production topology.
func DefaultTopology(deliveryLimit int) Topology {
	return Topology{Prefix: "amoflow", DeliveryLimit: deliveryLimit}
}

// Queue is the work queue for a message kind, or "" for an unknown kind.
func (t Topology) Queue(kind string) string {
	switch kind {
	case KindForm:
		return t.Prefix + ".forms"
	case KindWebhook:
		return t.Prefix + ".webhooks"
	case Kind1C:
		return t.Prefix + ".1c"
	}
	return ""
}

// Queues lists the work queues.
func (t Topology) Queues() []string {
	return []string{t.Queue(KindForm), t.Queue(KindWebhook), t.Queue(Kind1C)}
}

// DeadExchange receives every dead-lettered message.
func (t Topology) DeadExchange() string { return t.Prefix + ".dlx" }

// DeadQueue holds dead-lettered messages until an operator looks at them.
func (t Topology) DeadQueue() string { return t.Prefix + ".dead" }

// limitArgs are the queue arguments that only bound a queue. RabbitMQ cannot
// change a queue's arguments in place, so a queue declared before one of them
// was configured (or with another value) keeps what it has: Declare then
// declares it with the existing values and warns; an operator applies the new limit with
// a policy (see README, "Operating it"). Every other argument (queue type,
// dead-lettering, delivery limit) must match, or Declare fails.
var limitArgs = []string{amqp.QueueMaxLenArg, amqp.QueueMessageTTLArg}

// Declare creates what is missing, opening channels on conn as it needs them.
// Declaring again with the same arguments is a no-op; a contradicting
// delivery limit or queue type fails with PRECONDITION_FAILED.
func (t Topology) Declare(conn *amqp.Connection, log *slog.Logger) error {
	if t.Prefix == "" {
		return fmt.Errorf("mq: topology without a prefix")
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer func() { ch.Close() }()
	if err := ch.ExchangeDeclare(t.DeadExchange(), amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("mq: declare exchange %s: %w", t.DeadExchange(), err)
	}
	dead := amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeQuorum}
	if t.DeadTTL > 0 {
		dead[amqp.QueueMessageTTLArg] = t.DeadTTL.Milliseconds()
	}
	if ch, err = declareQueue(conn, ch, t.DeadQueue(), dead, log); err != nil {
		return err
	}
	if err := ch.QueueBind(t.DeadQueue(), "", t.DeadExchange(), false, nil); err != nil {
		return fmt.Errorf("mq: bind queue %s: %w", t.DeadQueue(), err)
	}
	args := amqp.Table{
		amqp.QueueTypeArg:        amqp.QueueTypeQuorum,
		"x-dead-letter-exchange": t.DeadExchange(),
		"x-dead-letter-strategy": "at-least-once",
		amqp.QueueOverflowArg:    amqp.QueueOverflowRejectPublish,
	}
	if t.DeliveryLimit > 0 {
		args["x-delivery-limit"] = int64(t.DeliveryLimit)
	}
	if t.MaxLength > 0 {
		args[amqp.QueueMaxLenArg] = int64(t.MaxLength)
	}
	for _, q := range t.Queues() {
		if ch, err = declareQueue(conn, ch, q, args, log); err != nil {
			return err
		}
	}
	return nil
}

// declareQueue declares q on ch. When only limit arguments contradict the
// existing queue, it declares q again on a new channel (the failure closed
// ch) with the existing queue's values for them, which still checks every
// other argument, and returns that channel.
func declareQueue(conn *amqp.Connection, ch *amqp.Channel, q string, args amqp.Table, log *slog.Logger) (*amqp.Channel, error) {
	want := args
	for range 2*len(limitArgs) + 1 {
		_, err := ch.QueueDeclare(q, true, false, false, false, args)
		if err == nil {
			return ch, nil
		}
		arg, current, soft := limitMismatch(err)
		if !soft {
			return ch, fmt.Errorf("mq: declare queue %s: %w", q, err)
		}
		if log != nil {
			log.Warn("mq: the existing queue has another "+arg+" than configured and keeps it; apply the configured one with a RabbitMQ policy (README, Operating it)",
				"queue", q, "configured", want[arg], "current", current)
		}
		args = maps.Clone(args)
		if current == nil {
			delete(args, arg)
		} else {
			args[arg] = *current
		}
		if ch, err = conn.Channel(); err != nil {
			return ch, err
		}
	}
	return ch, fmt.Errorf("mq: declare queue %s: its limits keep contradicting the configuration", q)
}

// inequivalent parses RabbitMQ's PRECONDITION_FAILED reason for an argument
// that differs, e.g. "inequivalent arg 'x-max-length' for queue 'q' in vhost
// '/': received '20' but current is none" (older versions say "the value
// '20' of type 'long'").
var inequivalent = regexp.MustCompile(`inequivalent arg '([^']+)'.* but current is (?:the value )?'?(none|-?\d+)'?`)

// limitMismatch reports whether err is a PRECONDITION_FAILED about one of the
// limit arguments, which, and the existing queue's value (nil: none).
func limitMismatch(err error) (arg string, current *int64, ok bool) {
	var ae *amqp.Error
	if !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
		return "", nil, false
	}
	m := inequivalent.FindStringSubmatch(ae.Reason)
	if m == nil || !slices.Contains(limitArgs, m[1]) {
		return "", nil, false
	}
	if m[2] == "none" {
		return m[1], nil, true
	}
	n, perr := strconv.ParseInt(m[2], 10, 64)
	if perr != nil {
		return "", nil, false
	}
	return m[1], &n, true
}
