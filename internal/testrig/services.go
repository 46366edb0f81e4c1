package testrig

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/config"
	"amoflow/mq"
)

// ScratchDB creates a database on the server of adminURL and returns its URL
// and its drop.
func ScratchDB(ctx context.Context, adminURL, name string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres at %s: %w", adminURL, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	base, query, _ := strings.Cut(adminURL, "?")
	u := base[:strings.LastIndex(base, "/")+1] + name
	if query != "" {
		u += "?" + query
	}
	return u, drop, nil
}

// QueueDepths returns the number of ready messages in each queue (-1 for a
// queue that could not be read).
func QueueDepths(cfg config.RabbitMQ, queues ...string) []int {
	out := make([]int, len(queues))
	for i := range out {
		out[i] = -1
	}
	conn, err := amqp.Dial(cfg.URL)
	if err != nil {
		return out
	}
	defer conn.Close()
	for i, q := range queues {
		ch, err := conn.Channel()
		if err != nil {
			return out
		}
		if st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil); err == nil {
			out[i] = st.Messages
		}
		ch.Close()
	}
	return out
}

// DeleteTopology removes the run's queues and dead-letter exchange.
func DeleteTopology(cfg config.RabbitMQ) error {
	conn, err := amqp.Dial(cfg.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	topo := mq.FromConfig(cfg, "").Topology
	for _, q := range append(topo.Queues(), topo.DeadQueue()) {
		_, _ = ch.QueueDelete(q, false, false, false)
	}
	_ = ch.ExchangeDelete(topo.DeadExchange(), false, false)
	return nil
}

// Serve serves h on a free port of 127.0.0.1 until ctx ends and returns its base URL.
func Serve(ctx context.Context, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}
