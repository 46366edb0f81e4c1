package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"

	"amoflow/bench/internal/benchkit"
)

type historyEvent = historypb.HistoryEvent

func protoSize(m proto.Message) int { return proto.Size(m) }

// shortType is an event type without the enum's prefix.
func shortType(t string) string { return strings.TrimPrefix(t, "EVENT_TYPE_") }

type historyReport struct {
	Kind       string             `json:"kind"`
	Workflows  int                `json:"workflows"`
	Events     int                `json:"events"`
	Bytes      int                `json:"bytes"`
	EventsPer  float64            `json:"events_per_workflow"`
	BytesPer   float64            `json:"bytes_per_workflow"`
	ByType     map[string]int     `json:"events_by_type"`
	Activities map[string]float64 `json:"activities_per_workflow"`
	activities []string
}

// activityCounts is how many times each activity ran per workflow.
func activityCounts(names []string, workflows int) map[string]float64 {
	out := map[string]float64{}
	for _, n := range names {
		out[n] += 1 / float64(workflows)
	}
	return out
}

type report struct {
	benchkit.Run

	Persistence  string  `json:"persistence"`
	Shards       int     `json:"history_shards,omitempty"`
	RPS          float64 `json:"account_rps"`
	MaxOpenForms int     `json:"max_open_forms"` // the bridge's cap on running forms (negative: none)
	FakeRPS      int     `json:"fake_limit_rps"`
	StepSeconds  float64 `json:"step_seconds"`
	DrainSeconds float64 `json:"drain_seconds"`
	IdleCores    float64 `json:"process_idle_cores"`
	// The store's growth over the run and the workflows it holds (all
	// kinds: forms, webhook parents and children, whether finished or not).
	StoreBytes    int64   `json:"store_bytes_grown"`
	Executions    int64   `json:"workflow_executions"`
	StoreBytesPer float64 `json:"store_bytes_per_execution"`
	Idle          cpuUse  `json:"idle_cpu_cores"`

	History     []historyReport `json:"history"`
	Steps       []*step         `json:"steps"`
	Best        *step           `json:"best_step"`
	Refused     int             `json:"refused"`
	Unfinished  int             `json:"unfinished"`
	Failures    []string        `json:"failures,omitempty"`
	Profile     *profileReport  `json:"profile_of_best_step"`
	ProfileFile string          `json:"profile_file,omitempty"`
}

func (r *report) write(dir, name string) error {
	var b strings.Builder
	w := &b
	store := stores[r.Persistence]
	if r.Persistence == "postgres" {
		store = fmt.Sprintf("%s, %d history shards", store, r.Shards)
	}
	fmt.Fprintf(w, "## Ceiling: one process with every role, Temporal on %s\n\n", store)
	fmt.Fprint(w, r.Header())
	fmt.Fprintf(w, "Every account's budget %g req/s, the fake amoCRM's limit %d req/s; site forms of new people (4 amoCRM requests each), open loop, %g s per step.\n\n", r.RPS, r.FakeRPS, r.StepSeconds)
	if r.MaxOpenForms > 0 {
		fmt.Fprintf(w, "The bridge starts forms while fewer than %d run (rabbitmq.max_open_forms); the rest wait in RabbitMQ.\n\n", r.MaxOpenForms)
	} else {
		fmt.Fprint(w, "The bridge starts every form at once (no rabbitmq.max_open_forms cap): a backlog waits in Temporal.\n\n")
	}
	fmt.Fprintf(w, "| offered forms/s | sent | refused | completed/s (closed in the step) | backlog at step end | form → lead p50 / p99 (ms, its own forms) | unfinished after drain | process CPU (cores) | CPU ms per completed form (above idle) | load1 |\n|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		mark := ""
		if s == r.Best {
			mark = "**"
		}
		fmt.Fprintf(w, "| %g | %d | %d | %s%.1f%s | %d | %.0f / %.0f | %d | %.2f | %.1f (%.1f) | %.1f |\n",
			s.Rate, s.Sent, s.Refused, mark, s.CompletedPS, mark, s.Backlog, s.P50, s.P99, s.Unfinished, s.CPUCores, s.CPUPerForm, s.CPUPerFormBusy, s.Load1)
	}
	fmt.Fprintf(w, "\nCPU (cores) beside the measured process, per step: PostgreSQL backends of this run's databases / RabbitMQ / driver (fake amoCRM, load): ")
	var parts []string
	for _, s := range r.Steps {
		parts = append(parts, fmt.Sprintf("%g/s: %.2f / %.2f / %.2f", s.Rate, s.CPU.Postgres, s.CPU.RabbitMQ, s.CPU.Driver))
	}
	fmt.Fprintf(w, "%s (idle: %.2f / %.2f / %.2f).\n", strings.Join(parts, "; "), r.Idle.Postgres, r.Idle.RabbitMQ, r.Idle.Driver)
	if r.Best != nil {
		fmt.Fprintf(w, "\nCeiling: **%.1f forms/s completed** (offered %g/s), %.2f cores of the measured process (%.2f when idle), %.1f CPU ms per form (%.1f above idle; with this run's PostgreSQL backends %.1f). Drain after the ramp: %.0f s; %d forms unfinished, %d refused.\n",
			r.Best.CompletedPS, r.Best.Rate, r.Best.CPUCores, r.IdleCores, r.Best.CPUPerForm, r.Best.CPUPerFormBusy, r.Best.CPUPerForm*(r.Best.CPU.Process+r.Best.CPU.Postgres)/max(r.Best.CPU.Process, 1e-9), r.DrainSeconds, r.Unfinished, r.Refused)
	}
	if r.Executions > 0 {
		fmt.Fprintf(w, "\nThe server's store grew by %.1f MB for %d workflow executions: %.1f KB each (history, mutable state, visibility, indexes; WAL files and free pages included).\n",
			float64(r.StoreBytes)/1e6, r.Executions, r.StoreBytesPer/1e3)
	}
	if p := r.Profile; p != nil {
		fmt.Fprintf(w, "\nCPU profile of that step (%.1f s sampled), by area (a sample goes to the first area found from the leaf up; shared libraries go to their caller):\n\n| area | CPU s | share |\n|---|---:|---:|\n", p.Seconds)
		for _, a := range p.Areas {
			fmt.Fprintf(w, "| %s | %.2f | %.1f %% |\n", a.Area, a.Seconds, 100*a.Share)
		}
		fmt.Fprintf(w, "\n```\n%s```\n", p.Top)
	}
	fmt.Fprintf(w, "\n| workflow history (sample, children included) | workflows | events each | bytes each |\n|---|---:|---:|---:|\n")
	for _, h := range r.History {
		kind := map[string]string{"form": "site form (new person)", "hook": "ret2corp webhook delivery"}[h.Kind]
		fmt.Fprintf(w, "| %s | %d | %.1f | %.0f |\n", kind, h.Workflows, h.EventsPer, h.BytesPer)
	}
	for _, h := range r.History {
		fmt.Fprintf(w, "\n%s, events by type (per workflow): ", h.Kind)
		var parts []string
		for _, t := range slices.Sorted(maps.Keys(h.ByType)) {
			parts = append(parts, fmt.Sprintf("%s %.1f", t, float64(h.ByType[t])/float64(h.Workflows)))
		}
		fmt.Fprintf(w, "%s. Activities: ", strings.Join(parts, ", "))
		parts = parts[:0]
		for _, a := range slices.Sorted(maps.Keys(h.Activities)) {
			parts = append(parts, fmt.Sprintf("%s %.1f", a, h.Activities[a]))
		}
		fmt.Fprintf(w, "%s.\n", strings.Join(parts, ", "))
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "\nFAILURE: %s\n", f)
	}
	return benchkit.WriteResults(dir, name, b.String(), r)
}
