package main

import (
	"fmt"
	"strings"

	"amoflow/amofake"
	"amoflow/bench/internal/benchkit"
)

type accountReport struct {
	Account     string  `json:"account"`
	Budget      float64 `json:"budget_rps"`   // the config's rps
	Admitted    float64 `json:"admitted_rps"` // what the shared budget admits (rps less the guard)
	Calls       int     `json:"api_calls"`
	TokenCalls  int     `json:"token_calls"`
	Seconds     float64 `json:"seconds"` // first to last API call
	RPS         float64 `json:"rps"`
	BudgetUsed  float64 `json:"budget_used"`
	MaxInWindow int     `json:"max_calls_in_any_1s_window"`
	TooMany     int     `json:"http_429"`
}

type historyReport struct {
	Kind      string  `json:"kind"`
	Workflows int     `json:"workflows"`
	Events    int     `json:"events"`
	Bytes     int     `json:"bytes"`
	EventsPer float64 `json:"events_per_workflow"`
	BytesPer  float64 `json:"bytes_per_workflow"`
}

type report struct {
	benchkit.Run

	Serves, Bridges, Workers int
	FakeLimit                int                 `json:"fake_limit_rps"`
	Guard                    string              `json:"budget_guard"`
	Answer                   amofake.LatencyDist `json:"fake_answer_time"`
	Rate                     float64             `json:"open_loop_forms_per_second,omitempty"`

	Forms        int             `json:"forms_done"`
	Hooks        int             `json:"hooks_done"`
	Failed       int             `json:"failed"`
	Failures     []string        `json:"failures,omitempty"`
	PostSeconds  float64         `json:"post_seconds"`
	TotalSeconds float64         `json:"total_seconds"`
	LatencyP50   float64         `json:"form_to_lead_p50_ms,omitempty"`
	LatencyP99   float64         `json:"form_to_lead_p99_ms,omitempty"`
	LatencyMax   float64         `json:"form_to_lead_max_ms,omitempty"`
	Accounts     []accountReport `json:"accounts"`
	History      []historyReport `json:"history"`
}

func (r *report) write(dir, name string) error {
	var b strings.Builder
	w := &b
	fmt.Fprintf(w, "## Cluster: the roles as separate processes (%d × serve, %d × bridge, %d × worker, 1 Temporal server)\n\n", r.Serves, r.Bridges, r.Workers)
	fmt.Fprint(w, r.Header())
	answer := "microseconds"
	if r.Answer.Median > 0 {
		answer = fmt.Sprintf("log-normal, median %s, σ %.2f, %.1f %% at %s", r.Answer.Median, r.Answer.Sigma, 100*r.Answer.Slow, r.Answer.SlowTime)
	}
	fmt.Fprintf(w, "The fake amoCRM answers 429 past %d requests in any second; its answer time: %s. Budget guard %s.\n\n", r.FakeLimit, answer, r.Guard)
	if r.Rate > 0 {
		fmt.Fprintf(w, "Open loop: %.2f forms/s on retail for %.0f s; %d done, %d failed. Form → lead (202 to the workflow's end): p50 %.0f ms, p99 %.0f ms, max %.0f ms.\n\n",
			r.Rate, r.PostSeconds, r.Forms, r.Failed, r.LatencyP50, r.LatencyP99, r.LatencyMax)
	} else {
		fmt.Fprintf(w, "Saturation: %d site forms and %d ret2corp webhooks (retail → corp) done, %d failed; accepted in %.1f s, all finished after %.1f s.\n\n",
			r.Forms, r.Hooks, r.Failed, r.PostSeconds, r.TotalSeconds)
	}
	fmt.Fprintf(w, "| account | budget (rps) | admitted by the guard | API requests | rate, first to last | share of the budget | busiest 1 s window | 429 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, a := range r.Accounts {
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %d | %.2f req/s over %.1f s | %.1f %% | %d | %d |\n",
			a.Account, a.Budget, a.Admitted, a.Calls, a.RPS, a.Seconds, 100*a.BudgetUsed, a.MaxInWindow, a.TooMany)
	}
	if len(r.History) > 0 {
		fmt.Fprintf(w, "\n| workflow history (sample) | workflows | events each | bytes each |\n|---|---:|---:|---:|\n")
		for _, h := range r.History {
			kind := map[string]string{"form": "site form", "hook": "ret2corp webhook (with its children)"}[h.Kind]
			fmt.Fprintf(w, "| %s | %d | %.1f | %.0f |\n", kind, h.Workflows, h.EventsPer, h.BytesPer)
		}
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "\nFAILURE: %s\n", f)
	}
	return benchkit.WriteResults(dir, name, b.String(), r)
}
