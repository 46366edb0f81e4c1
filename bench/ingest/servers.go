package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // -pprof: profiles of the servers while they are loaded
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"amoflow/config"
	"amoflow/mq"
	"amoflow/starter"
)

// runServers is the servers process (-role servers): the bare handler and
// the amoflow starter on two ports of one process, each with its own
// RabbitMQ connection and queue. Only one of them is loaded at a time. It
// prints one line, "ready BARE_ADDR AMOFLOW_ADDR", then serves until SIGTERM.
func runServers(configPath, prefix string, channels int, pprofAddr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The log of `amoflow serve` (cmd/amoflow/main.go): text, info level,
	// on stderr, which the driver sends to a file.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))

	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	cfg.RabbitMQ.Prefix = prefix
	cfg.Inbound.FormRate = &config.Rate{} // one load generator is one client: no per-client limit
	// A phase at the peak stores 100 000 forms and more, which the default
	// cap (100 000 ready messages, then 503) would refuse; the cap stays
	// on, so RabbitMQ does the same work per message as in production.
	cfg.RabbitMQ.MaxLength = 10_000_000

	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	amoLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg.HTTP.PublicURL = "http://" + amoLn.Addr().String()

	// amoflow: exactly what serveHTTP (cmd/amoflow/serve.go) builds, minus
	// the readiness checks and the jobs API, which the benchmark does not call.
	broker := mq.FromConfig(cfg.RabbitMQ, "amoflow-bench-starter")
	broker.PublishChannels = channels
	pub, err := broker.NewPublisher(ctx)
	if err != nil {
		return err
	}
	defer pub.Close()
	amoHandler := starter.New(cfg, starter.Deps{Publisher: pub})

	bare, err := newBare(cfg.RabbitMQ.URL, prefix+".bare", channels)
	if err != nil {
		return err
	}
	defer bare.close()

	if pprofAddr != "" {
		// net/http/pprof registered itself on http.DefaultServeMux.
		go func() { _ = http.ListenAndServe(pprofAddr, nil) }()
	}
	servers := []*http.Server{newServer(bare), newServer(amoHandler)}
	go func() { _ = servers[0].Serve(bareLn) }()
	go func() { _ = servers[1].Serve(amoLn) }()
	fmt.Printf("ready %s %s\n", bareLn.Addr(), amoLn.Addr())

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdown)
	}
	return nil
}

// newServer has the timeouts of cmd/amoflow/serve.go.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// bare is the baseline: a plain net/http handler that publishes the request
// body, persistent, to a quorum queue and answers 202 once the broker
// confirmed it (500 otherwise). One connection and a round-robin pool of
// confirm-mode channels, each shared by concurrent requests that wait only
// for their own confirmation — the same shape as mq.Publisher, without
// validation, job ids, headers, metrics or logs.
type bare struct {
	conn  *amqp.Connection
	chans []*amqp.Channel
	queue string
	next  atomic.Uint32
}

func newBare(url, queue string, channels int) (*bare, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, err
	}
	b := &bare{conn: conn, queue: queue}
	for i := 0; i < channels; i++ {
		ch, err := conn.Channel()
		if err != nil {
			conn.Close()
			return nil, err
		}
		if i == 0 {
			args := amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeQuorum}
			if _, err := ch.QueueDeclare(queue, true, false, false, false, args); err != nil {
				conn.Close()
				return nil, err
			}
		}
		if err := ch.Confirm(false); err != nil {
			conn.Close()
			return nil, err
		}
		b.chans = append(b.chans, ch)
	}
	return b, nil
}

func (b *bare) close() { b.conn.Close() }

func (b *bare) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	ch := b.chans[int(b.next.Add(1))%len(b.chans)]
	dc, err := ch.PublishWithDeferredConfirm("", b.queue, false, false, amqp.Publishing{
		ContentType:  r.Header.Get("Content-Type"),
		DeliveryMode: amqp.Persistent,
		Body:         body,
	})
	if err == nil {
		var acked bool
		if acked, err = dc.WaitContext(ctx); err == nil && !acked {
			err = fmt.Errorf("nacked")
		}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
