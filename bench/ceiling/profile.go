package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// An area is a part of the measured process that CPU time is charged to.
type area struct {
	Name     string   `json:"name"`
	prefixes []string // function name prefixes that belong to it
}

// areas, tried on each sample's frames from the leaf up: the first frame
// that belongs to one charges the sample to it. Libraries that every part
// uses (gRPC, protobuf, net, crypto, the Go runtime, pgx) belong to none, so
// their time goes to the part that called them; a sample with no such frame
// falls to the fallbacks below (GC, gRPC transport goroutines, ...).
var areas = []area{
	{"Temporal server: persistence (SQL store, SQLite / PostgreSQL driver)", []string{"go.temporal.io/server/common/persistence", "modernc.org/sqlite", "modernc.org/libc"}},
	{"Temporal server: history, matching, frontend, other", []string{"go.temporal.io/server/"}},
	{"Temporal SDK: workers, pollers, client", []string{"go.temporal.io/sdk"}},
	{"amoflow: own Postgres (budget slots, tokens, markers)", []string{"amoflow/store"}},
	{"broker client: publisher, bridge (amqp091)", []string{"github.com/rabbitmq/amqp091-go", "amoflow/mq", "amoflow/bridge"}},
	{"starter: HTTP ingest", []string{"amoflow/starter", "github.com/gorilla/mux", "net/http.(*conn).serve"}},
	{"amoflow: workflows, activities, amoCRM client, codec", []string{"amoflow/"}},
}

// Fallbacks, by a frame anywhere in the stack.
var (
	areaGC      = "Go runtime: garbage collector"
	areaGRPC    = "gRPC transport and protobuf (SDK ↔ server, in process)"
	areaRuntime = "Go runtime: scheduler, timers, other"
)

// profileReport is where the CPU of the best step went.
type profileReport struct {
	Seconds float64     `json:"sampled_cpu_seconds"`
	Areas   []areaShare `json:"areas"`
	Top     string      `json:"top"` // go tool pprof -top
}

type areaShare struct {
	Area    string  `json:"area"`
	Seconds float64 `json:"cpu_seconds"`
	Share   float64 `json:"share"`
}

// analyse splits a CPU profile by area (go tool pprof -traces) and keeps
// its top entries (go tool pprof -top).
func analyse(file string) (*profileReport, error) {
	traces, err := exec.Command("go", "tool", "pprof", "-traces", file).Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof -traces: %w", err)
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", file).Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof -top: %w", err)
	}
	rep := &profileReport{Top: string(top)}
	by := map[string]float64{}
	for _, s := range parseTraces(traces) {
		by[classify(s.frames)] += s.seconds
		rep.Seconds += s.seconds
	}
	for name, secs := range by {
		rep.Areas = append(rep.Areas, areaShare{Area: name, Seconds: secs, Share: secs / rep.Seconds})
	}
	slices.SortFunc(rep.Areas, func(a, b areaShare) int { return cmp.Compare(b.Seconds, a.Seconds) })
	return rep, nil
}

type sample struct {
	seconds float64
	frames  []string // leaf first
}

// parseTraces reads `go tool pprof -traces`: blocks separated by dashed
// lines, the first line of a block "VALUE frame", the next ones a frame
// each; label lines ("key:value") are skipped.
func parseTraces(out []byte) []sample {
	var all []sample
	var cur *sample
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			if cur != nil {
				all = append(all, *cur)
			}
			cur = &sample{}
			continue
		}
		if cur == nil {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(cur.frames) == 0 && cur.seconds == 0 {
			if d, err := time.ParseDuration(f[0]); err == nil && len(f) >= 2 {
				cur.seconds = d.Seconds()
				cur.frames = append(cur.frames, f[1])
				continue
			}
			if strings.HasSuffix(f[0], ":") { // a label line
				continue
			}
		}
		cur.frames = append(cur.frames, f[0])
	}
	if cur != nil && cur.seconds > 0 {
		all = append(all, *cur)
	}
	return all
}

// classify names the area of one sample's stack (leaf first).
func classify(frames []string) string {
	for _, fn := range frames {
		for _, a := range areas {
			for _, p := range a.prefixes {
				if strings.HasPrefix(fn, p) {
					return a.Name
				}
			}
		}
	}
	for _, fn := range frames {
		switch {
		case strings.HasPrefix(fn, "runtime.gcBgMarkWorker"), strings.HasPrefix(fn, "runtime.bgsweep"), strings.HasPrefix(fn, "runtime.bgscavenge"):
			return areaGC
		case strings.HasPrefix(fn, "google.golang.org/grpc"), strings.HasPrefix(fn, "golang.org/x/net/http2"):
			return areaGRPC
		}
	}
	return areaRuntime
}
