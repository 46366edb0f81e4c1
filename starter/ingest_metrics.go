package starter

import (
	"github.com/prometheus/client_golang/prometheus"

	amometrics "amoflow/metrics"
)

// Series of the public routes' defences, in the process-wide registry.
var (
	// formRateLimited counts form requests answered 429 (inbound.form_rate).
	formRateLimited = amometrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_form_rate_limited_total",
		Help: "Site-form requests refused with 429 because their client sent too many (inbound.form_rate).",
	}))
	// formHoneypot counts forms refused because the honeypot field was filled.
	formHoneypot = amometrics.Register(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "amoflow_form_honeypot_total",
		Help: "Site forms refused because the hidden honeypot field (inbound.honeypot_field) was filled.",
	}))
	// webhookEventsRejected counts webhook events left out of a delivery.
	webhookEventsRejected = amometrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "amoflow_webhook_events_rejected_total",
		Help: "amoCRM webhook events that could not be read and were left out of their delivery, by method and reason.",
	}, []string{"method", "reason"}))
)
