package mq

import (
	"fmt"

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
// RabbitMQ only allows together with x-overflow=reject-publish; no length limit
// is set, so that overflow mode never rejects anything by itself.
type Topology struct {
	Prefix        string
	DeliveryLimit int
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

// Declare creates what is missing. Declaring again with the same arguments is
// a no-op; different arguments (e.g. a changed delivery limit) fail with
// PRECONDITION_FAILED and close ch, because RabbitMQ cannot change a queue's
// arguments in place (use a policy or recreate the queue).
func (t Topology) Declare(ch *amqp.Channel) error {
	if t.Prefix == "" {
		return fmt.Errorf("mq: topology without a prefix")
	}
	if err := ch.ExchangeDeclare(t.DeadExchange(), amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("mq: declare exchange %s: %w", t.DeadExchange(), err)
	}
	quorum := amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeQuorum}
	if _, err := ch.QueueDeclare(t.DeadQueue(), true, false, false, false, quorum); err != nil {
		return fmt.Errorf("mq: declare queue %s: %w", t.DeadQueue(), err)
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
	for _, q := range t.Queues() {
		if _, err := ch.QueueDeclare(q, true, false, false, false, args); err != nil {
			return fmt.Errorf("mq: declare queue %s: %w", q, err)
		}
	}
	return nil
}
