package amocrm

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"amoflow/amofake"
)

// TestBudgetAcrossProcesses runs three processes of four goroutines, each
// process with its own clients and no per-process limit, on one account
// whose budget they share through Postgres. amoCRM (the fake, which answers
// 429 past budgetRPS requests in any second) must see no 429 and no sliding
// 1-second window above the budget, the retries after a 401 included.
// Without the shared budget the three processes send at three times the rate.
func TestBudgetAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const budgetRPS = 8
	fake, dbURL, _, acct := processFake(t, budgetRPS)
	// Three requests answered 401: each is sent again after a renewal, and
	// the second attempt takes a slot of its own.
	fake.SetFaults(fakeSub, amofake.Faults{Force401: 3})
	fake.ResetCalls()

	// The guard absorbs the scheduling delays of a machine busy with other
	// tests (the fake timestamps a request when its handler runs); the
	// benchmark (bench/cluster) measures the production guard.
	runHelpers(t, dbURL, acct.BaseURL, fmt.Sprintf("%s=%d", envBudget, budgetRPS), envBudgetGuard+"=250ms")

	var api []time.Time
	statuses := map[int]int{}
	for _, c := range fake.Calls(fakeSub) {
		if strings.Contains(c.Path, "/api/") {
			api = append(api, c.Time)
			statuses[c.Status]++
		}
	}
	want := helperProcesses * helperGoroutines * helperCalls
	if statuses[200] != want || statuses[401] != 3 || statuses[429] != 0 || len(api) != want+3 {
		t.Errorf("answers by status %v (%d API requests); want %d × 200, 3 × 401, no 429", statuses, len(api), want)
	}
	if n, at := busiestSecond(api); n > budgetRPS {
		t.Errorf("%d requests in the second from %s, budget %d", n, at.Format("15:04:05.000"), budgetRPS)
	}
}

// busiestSecond is the most requests in any window [t, t+1s) that starts at
// a request, and where it starts.
func busiestSecond(times []time.Time) (int, time.Time) {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, at := 0, time.Time{}
	j := 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		if j-i > most {
			most, at = j-i, times[i]
		}
	}
	return most, at
}

func TestBusiestSecond(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	ms := func(v ...int) []time.Time {
		var out []time.Time
		for _, m := range v {
			out = append(out, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	for _, c := range []struct {
		times []int
		want  int
	}{
		{nil, 0},
		{[]int{0}, 1},
		{[]int{0, 999, 1000}, 2},            // a window is [t, t+1s)
		{[]int{900, 0, 500, 1400, 1899}, 3}, // unsorted input; every window holds 3
		{[]int{0, 100, 200, 1300, 1350, 1400, 1450}, 4},
	} {
		if got, _ := busiestSecond(ms(c.times...)); got != c.want {
			t.Errorf("%v: %d, want %d", c.times, got, c.want)
		}
	}
}
