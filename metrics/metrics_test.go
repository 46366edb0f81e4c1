package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRegisterTwiceSharesTheSeries(t *testing.T) {
	opts := prometheus.CounterOpts{Name: "amoflow_test_twice_total", Help: "test"}
	a := Register(prometheus.NewCounter(opts))
	b := Register(prometheus.NewCounter(opts))
	a.Inc()
	if got := testutil.ToFloat64(b); got != 1 {
		t.Fatalf("second Register gave a separate counter: %v", got)
	}
}

func TestSharedGaugesAreExported(t *testing.T) {
	AccountNeedsReauth.WithLabelValues("retail").Set(1)
	AccountBlocked.WithLabelValues("retail").Set(0)
	QueueDepth.WithLabelValues("forms").Set(3)
	DeadLetters.Set(0)
	mfs, err := Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
	}
	for _, name := range []string{"amoflow_account_needs_reauth", "amoflow_account_blocked", "amoflow_queue_depth", "amoflow_dead_letters"} {
		if !seen[name] {
			t.Errorf("%s not gathered", name)
		}
	}
}
