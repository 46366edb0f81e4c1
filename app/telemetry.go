package app

import (
	"log/slog"
	"sync"
	"time"

	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"amoflow/metrics"
)

var (
	temporalMetricsOnce sync.Once
	temporalMetrics     client.MetricsHandler
)

// TemporalMetrics is the Temporal SDK's metrics handler of the process: every
// client and worker reports schedule-to-start latency, activity and workflow
// failures, … into metrics.Registry under the SDK's own names (temporal_…,
// timers in seconds as histograms). One per process: the series register once.
func TemporalMetrics() client.MetricsHandler {
	temporalMetricsOnce.Do(func() {
		reporter := tallyprom.NewReporter(tallyprom.Options{
			Registerer:       metrics.Registry,
			DefaultTimerType: tallyprom.HistogramTimerType,
			// Latencies from milliseconds to the 5-minute schedule-to-start alert and beyond.
			DefaultHistogramBuckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
			// A series the SDK reports with another label set cannot register
			// twice; losing that one series beats crashing the worker.
			OnRegisterError: func(err error) { slog.Debug("temporal metrics: register", "err", err) },
		})
		scope, _ := tally.NewRootScope(tally.ScopeOptions{
			CachedReporter:  reporter,
			Separator:       tallyprom.DefaultSeparator,
			SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		}, time.Second)
		temporalMetrics = sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope))
	})
	return temporalMetrics
}
