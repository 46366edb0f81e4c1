package eventsapi

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"amoflow/metrics"
)

var callsTotal = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "amoflow_events_api_calls_total",
	Help: "Calls of the site's events API by outcome (ok, not_found, retryable, failed).",
}, []string{"outcome"}))

func observe(err error) {
	outcome := "ok"
	var e *Error
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		outcome = "not_found"
	case errors.As(err, &e) && e.Retryable:
		outcome = "retryable"
	default:
		outcome = "failed"
	}
	callsTotal.WithLabelValues(outcome).Inc()
}
