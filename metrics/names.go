package metrics

import (
	"regexp"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	collectorsMu sync.Mutex
	known        []prometheus.Collector
)

func remember(c prometheus.Collector) {
	collectorsMu.Lock()
	known = append(known, c)
	collectorsMu.Unlock()
}

func registered() []prometheus.Collector {
	collectorsMu.Lock()
	defer collectorsMu.Unlock()
	return slices.Clone(known)
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Names lists the metric families in Registry: those gathered (with at least
// one series) and those registered but not yet touched. Tests check the
// alert rules and dashboards against it.
func Names() []string {
	seen := map[string]bool{}
	families, _ := Registry.Gather()
	for _, f := range families {
		seen[f.GetName()] = true
	}
	for _, c := range registered() {
		ch := make(chan *prometheus.Desc, 16)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			if m := fqName.FindStringSubmatch(d.String()); m != nil {
				seen[m[1]] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
