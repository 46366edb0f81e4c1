package mq_test

import (
	"context"
	"log"
	"time"

	"amoflow/config"
	"amoflow/mq"
)

// The starter publishes; Publish returns nil only once the broker confirmed.
func ExampleBroker_NewPublisher() {
	b := mq.FromConfig(config.RabbitMQ{URL: "amqp://guest:guest@127.0.0.1:5672/", DeliveryLimit: 20}, "starter")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := b.NewPublisher(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()
	err = pub.Publish(ctx, mq.Message{
		ID: "form-retail-0123", Kind: mq.KindForm, Account: "retail",
		ReceivedAt: time.Now(), Body: []byte(`{"job_id":"form-retail-0123"}`),
	})
	if err != nil {
		log.Print("not stored: answer 503") // never 2xx
	}
}

// The bridge consumes: returning nil acks, an error requeues (until the
// delivery limit dead-letters the message), DeadLetter gives up at once.
func ExampleBroker_Consume() {
	b := mq.FromConfig(config.RabbitMQ{URL: "amqp://guest:guest@127.0.0.1:5672/", DeliveryLimit: 20}, "bridge")
	ctx := context.Background()
	err := b.Consume(ctx, b.Topology.Queue(mq.KindForm), 32, func(ctx context.Context, d *mq.Delivery) error {
		if d.Account == "" {
			return d.DeadLetter(ctx, "message without an account")
		}
		// Start the workflow with id d.ID; an "already started" error means done.
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
