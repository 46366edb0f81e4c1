// Package metrics holds the process-wide Prometheus registry and the series
// that more than one package sets. Every role serves Registry on its admin
// listener; a package with series of its own registers them here too (see
// Register), so one scrape shows the whole process.
//
// Names are part of the operator contract: deploy/prometheus/alerts.yml and
// the Grafana dashboard refer to them. Rename one only together with those.
package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry is the process's registry, with the Go runtime and process collectors.
var Registry = newRegistry()

func newRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Account state: set by the amoCRM client and token store, read by alerts.
var (
	// AccountNeedsReauth is 1 while an account's refresh token is revoked or
	// invalid and an operator must authorize it again (amoflow auth …).
	AccountNeedsReauth = Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "amoflow_account_needs_reauth",
		Help: "1 while the amoCRM account needs re-authorization; its work is paused, not failed.",
	}, []string{"account"}))

	// AccountBlocked is 1 while amoCRM answers the account with 403 (blocked
	// after too many 429s) and its activities are cooling down together.
	AccountBlocked = Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "amoflow_account_blocked",
		Help: "1 while amoCRM answers the account with 403 and its work is paused (circuit breaker open).",
	}, []string{"account"}))
)

// Broker state: set by the bridge/broker, read by alerts.
var (
	// QueueDepth is the number of ready messages per queue, as the broker reports it.
	QueueDepth = Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "amoflow_queue_depth",
		Help: "Messages ready in each RabbitMQ queue (forms, webhooks, 1c), from a passive declare.",
	}, []string{"queue"}))

	// DeadLetters is the number of messages in the dead-letter queue.
	DeadLetters = Register(prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "amoflow_dead_letters",
		Help: "Messages in the dead-letter queue; each carries its reason in the x-reason header.",
	}))
)

// Register adds c to Registry. Registering an equal collector twice (a test
// that builds two servers in one process) returns the one already there.
func Register[C prometheus.Collector](c C) C {
	if err := Registry.Register(c); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if errors.As(err, &dup) {
			if existing, ok := dup.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	remember(c)
	return c
}
