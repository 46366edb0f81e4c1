package amocrm

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"amoflow/metrics"
)

// The client's series. Endpoints are templates ("/api/v4/leads/{id}"), never
// raw paths: ids would make a series per lead.
var (
	requestsTotal = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "amoflow_amocrm_requests_total",
		Help: "amoCRM API requests by account, method, endpoint template and status class (2xx, 4xx, 5xx, error for no answer).",
	}, []string{"account", "method", "endpoint", "class"}))
	tooManyTotal = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "amoflow_amocrm_429_total",
		Help: "amoCRM answers 429 Too Many Requests, by account; above zero means the budget is misconfigured.",
	}, []string{"account"}))
	requestSeconds = metrics.Register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "amoflow_amocrm_request_duration_seconds",
		Help:    "Time from sending an amoCRM request to its answer (after the rate gate), by account and endpoint template.",
		Buckets: []float64{.025, .05, .1, .25, .5, 1, 2, 5, 10, 20},
	}, []string{"account", "method", "endpoint"}))
	budgetLateSlots = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "amoflow_amocrm_budget_late_slots_total",
		Help: "Request slots of the shared budget given up because the request woke too late for them (a CPU-starved process).",
	}, []string{"account"}))
	budgetRPS = metrics.Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "amoflow_amocrm_budget_rps",
		Help: "The account's configured request budget (accounts.*.rps); compare with rate(amoflow_amocrm_requests_total).",
	}, []string{"account"}))
)

// observe records one attempt; status 0 means no answer.
func (c *Client) observe(method, path string, status int, took time.Duration) {
	endpoint := EndpointTemplate(path)
	requestsTotal.WithLabelValues(c.acct.Name, method, endpoint, statusClass(status)).Inc()
	if status == 429 {
		tooManyTotal.WithLabelValues(c.acct.Name).Inc()
	}
	requestSeconds.WithLabelValues(c.acct.Name, method, endpoint).Observe(took.Seconds())
}

func statusClass(status int) string {
	if status == 0 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx"
}

// EndpointTemplate replaces the ids in an API path by {id}:
// /api/v4/leads/123/notes → /api/v4/leads/{id}/notes. The entity words
// (leads, contacts, catalogs …) stay, so the template names the call.
func EndpointTemplate(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if isID(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func isID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
