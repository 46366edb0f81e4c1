package shadow

import (
	"github.com/prometheus/client_golang/prometheus"

	"amoflow/metrics"
)

// writesTotal counts planned writes. They also show in
// amoflow_amocrm_requests_total (the client answers them like amoCRM),
// so subtract this series there when reading an account's budget use.
var writesTotal = metrics.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "amoflow_shadow_writes_total",
	Help: "Writes planned in shadow mode instead of sent, by account (\"1c\" for 1C), flow and method.",
}, []string{"account", "flow", "method"}))
