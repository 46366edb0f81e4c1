package amofake

import (
	"slices"
	"testing"
	"time"
)

func TestLatencyDistSample(t *testing.T) {
	if got := (LatencyDist{}).sample(); got != 0 {
		t.Fatalf("zero distribution: %v", got)
	}
	if got := (LatencyDist{Median: 150 * time.Millisecond}).sample(); got != 150*time.Millisecond {
		t.Fatalf("no spread: %v", got)
	}
	d := LatencyDist{Median: 150 * time.Millisecond, Sigma: 0.35, Slow: 0.01, SlowTime: 2 * time.Second}
	const n = 20000
	s := make([]time.Duration, n)
	slow := 0
	for i := range s {
		s[i] = d.sample()
		if s[i] == d.SlowTime {
			slow++
		}
	}
	slices.Sort(s)
	// Sampling error at n = 20 000 is ~1 % on the median and ±30 on 200
	// slow answers; the bounds are several times wider.
	if med := s[n/2]; med < 140*time.Millisecond || med > 160*time.Millisecond {
		t.Errorf("median %v, want ~150ms", med)
	}
	if slow < 120 || slow > 280 {
		t.Errorf("%d slow answers of %d, want ~1 %%", slow, n)
	}
	if p90 := s[n*9/10]; p90 < 200*time.Millisecond || p90 > 300*time.Millisecond {
		t.Errorf("p90 %v, want ~235ms (e^(1.28·0.35) × 150ms)", p90)
	}
}
