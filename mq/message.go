// Package mq is amoflow's durable inbox on RabbitMQ: the starter publishes
// every accepted request with publisher confirms, the bridge consumes it.
//
// Each kind of request has its own quorum queue; messages that fail too often
// or that a consumer rejects end in one dead-letter queue (see Topology).
package mq

import (
	"errors"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Kinds of message, one queue each.
const (
	KindForm    = "form"
	KindWebhook = "webhook"
	Kind1C      = "1c"
)

// Header names set on every message, so that an operator reading a queue (or
// the dead-letter queue) sees what a message is without decoding its body.
const (
	HeaderKind       = "kind"
	HeaderAccount    = "account"
	HeaderReceivedAt = "received_at"
	// HeaderReason says why a consumer dead-lettered a message (Delivery.DeadLetter).
	HeaderReason = "x-reason"
	// HeaderOriginalQueue is the queue a dead-lettered message came from.
	HeaderOriginalQueue = "x-original-queue"
	// HeaderDeadAt is when a consumer dead-lettered the message (RFC 3339);
	// messages the broker dead-lettered carry the time in x-death instead.
	HeaderDeadAt = "x-dead-at"
	// HeaderPutBack counts how many times consumers put the message back
	// to wait longer (Delivery.PutBack).
	HeaderPutBack = "x-put-back"
	// headerDeliveryCount is the quorum queue's count of earlier deliveries.
	headerDeliveryCount = "x-delivery-count"
)

// Message is one stored request.
type Message struct {
	// ID is the job id: the AMQP message_id and the Temporal workflow id.
	// It is deterministic, so a duplicate request maps to the same job.
	ID         string
	Kind       string // KindForm, KindWebhook or Kind1C
	Account    string // config account key, e.g. "retail"
	ReceivedAt time.Time
	Body       []byte // JSON
}

var errNoID = errors.New("mq: message without an id")

func (m Message) publishing() amqp.Publishing {
	return amqp.Publishing{
		MessageId:    m.ID,
		Type:         m.Kind,
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		Timestamp:    m.ReceivedAt,
		AppId:        "amoflow",
		Headers: amqp.Table{
			HeaderKind:       m.Kind,
			HeaderAccount:    m.Account,
			HeaderReceivedAt: m.ReceivedAt.UTC().Format(time.RFC3339Nano),
		},
		Body: m.Body,
	}
}

// messageOf reads back what publishing wrote.
func messageOf(d *amqp.Delivery) Message {
	m := Message{ID: d.MessageId, Body: d.Body, ReceivedAt: d.Timestamp}
	m.Kind, _ = d.Headers[HeaderKind].(string)
	m.Account, _ = d.Headers[HeaderAccount].(string)
	if s, ok := d.Headers[HeaderReceivedAt].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			m.ReceivedAt = t
		}
	}
	return m
}
