package onec

import (
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"amoflow/metrics"
)

var (
	callsTotal = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "amoflow_onec_calls_total",
		Help: "1C HTTP calls by method (EditStudent, lk_editdata …), verb and outcome (ok, transport, rejected, server_error, malformed_answer).",
	}, []string{"method", "verb", "outcome"}))
	callSeconds = metrics.Register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "amoflow_onec_call_duration_seconds",
		Help:    "Time of a 1C HTTP call, by method.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30},
	}, []string{"method"}))
)

func observe(verb, method string, err error, took time.Duration) {
	outcome := "ok"
	var e *Error
	switch {
	case err == nil:
	case errors.As(err, &e):
		outcome = strings.ReplaceAll(e.Kind.String(), " ", "_")
	default:
		outcome = "error"
	}
	callsTotal.WithLabelValues(method, verb, outcome).Inc()
	callSeconds.WithLabelValues(method).Observe(took.Seconds())
}
