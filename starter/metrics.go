package starter

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	procmetrics "amoflow/metrics"
)

// metrics are the starter's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec   // by route template and status code
	duration *prometheus.HistogramVec // by route template
	publish  *prometheus.HistogramVec // broker confirmation latency, by kind and result
}

func newMetrics(reg *prometheus.Registry) *metrics {
	// Sub-millisecond to seconds: a confirmed publish normally takes a few ms.
	buckets := []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amoflow_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "amoflow_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: buckets,
		}, []string{"route"}),
		publish: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "amoflow_publish_duration_seconds",
			Help:    "Time until the broker confirmed (or failed) a publish, by kind and result.",
			Buckets: buckets,
		}, []string{"kind", "result"}),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	m.publish = register(reg, m.publish)
	return m
}

// register tolerates a second New on the same registry by sharing the
// series; nil means the process registry.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if reg == nil {
		return procmetrics.Register(c)
	}
	if err := reg.Register(c); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if errors.As(err, &dup) {
			return dup.ExistingCollector.(C)
		}
		panic(err)
	}
	return c
}

// instrument counts and times the requests h answers under the label route.
func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	duration := m.duration.WithLabelValues(route)
	counts := &routeCounts{vec: m.requests, route: route}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		counts.of(sw.code).Inc()
		duration.Observe(time.Since(start).Seconds())
	})
}

// routeCounts keeps a route's request counters by status code, so that the
// common answer finds its counter with one map read instead of formatting
// the code and hashing both labels per request. The map is replaced, never
// written, when a new code appears.
type routeCounts struct {
	vec   *prometheus.CounterVec
	route string
	codes atomic.Pointer[map[int]prometheus.Counter]
}

func (c *routeCounts) of(code int) prometheus.Counter {
	old := c.codes.Load()
	if old != nil {
		if ctr, ok := (*old)[code]; ok {
			return ctr
		}
	}
	ctr := c.vec.WithLabelValues(c.route, strconv.Itoa(code))
	next := make(map[int]prometheus.Counter, 1)
	if old != nil {
		maps.Copy(next, *old)
	}
	next[code] = ctr
	c.codes.CompareAndSwap(old, &next) // lost to another code: it is added next time
	return ctr
}

func (m *metrics) observePublish(kind string, err error, d time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.publish.WithLabelValues(kind, result).Observe(d.Seconds())
}

// statusWriter remembers the status code of an answer.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
