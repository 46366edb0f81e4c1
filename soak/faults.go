package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"amoflow/amofake"
	"amoflow/config"
)

// fault is one step of the schedule: down at At (from the start of the
// traffic) for For, then up. At and For are for 10 minutes of traffic and
// scale with -duration.
type fault struct {
	Name   string        `json:"name"`
	Target string        `json:"target"` // amo, 1c or core: what "first success" is measured on
	At     time.Duration `json:"-"`
	For    time.Duration `json:"-"`
	down   func(ctx context.Context, f *fault)
	up     func(ctx context.Context, f *fault) // may extend the window: End is when it returns

	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Notes []string  `json:"notes,omitempty"`

	Failed   []string      `json:"workflows_failed"`       // ended badly between this fault's start and the next one's
	FirstOK  time.Duration `json:"first_success_after"`    // fault end to the first success of its target
	Drained  time.Duration `json:"backlog_drained_after"`  // fault end to the last job accepted before it closed
	Pending  int           `json:"jobs_never_finished"`    // accepted before the end, never finished
	HeldBy   string        `json:"rest_held_by,omitempty"` // the later fault that also held up part of the backlog
	NoFirsOK bool          `json:"no_success_after"`
}

func (f *fault) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.Notes = append(f.Notes, msg)
	log.Printf("  %s: %s", f.Name, msg)
}

// schedule is the fault matrix, one fault at a time with room between them
// to recover, in 10 minutes of traffic.
func (s *stack) schedule(scale float64) []*fault {
	burst := max(5, int(20*scale))
	amo := func(f amofake.Faults) func(context.Context, *fault) {
		return func(context.Context, *fault) {
			s.fake.SetFaults(retail, f)
			s.fake.SetFaults(corp, f)
		}
	}
	clear := amo(amofake.Faults{})
	restart := func(stop, start func(), cmdStop, cmdStart string) (func(context.Context, *fault), func(context.Context, *fault)) {
		if !s.o.realRestarts {
			return func(context.Context, *fault) { stop() }, func(context.Context, *fault) { start() }
		}
		return func(_ context.Context, f *fault) { f.note("%s: %s", cmdStop, shell(cmdStop)) },
			func(_ context.Context, f *fault) { f.note("%s: %s", cmdStart, shell(cmdStart)) }
	}
	rabbitDown, rabbitUp := restart(s.rabbit.Cut, s.rabbit.Restore, s.o.rabbitStop, s.o.rabbitStart)
	pgDown, pgUp := restart(s.pg.Cut, s.pg.Restore, s.o.postgresStop, s.o.postgresStart)
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	return []*fault{
		{Name: fmt.Sprintf("amoCRM 429 burst (%d per account)", burst), Target: "amo", At: sec(20), For: sec(5),
			down: amo(amofake.Faults{Force429: burst}),
			up: func(ctx context.Context, f *fault) {
				// The burst ends when the fake has answered all of it, or 30 s on.
				until := f.Start.Add(30 * time.Second)
				for ctx.Err() == nil && time.Now().Before(until) && (s.fake.CurrentFaults(retail).Force429 > 0 || s.fake.CurrentFaults(corp).Force429 > 0) {
					time.Sleep(200 * time.Millisecond)
				}
				if left := s.fake.CurrentFaults(retail).Force429 + s.fake.CurrentFaults(corp).Force429; left > 0 {
					f.note("%d 429s not yet answered after 30 s, cleared", left)
				}
				clear(ctx, f)
			}},
		{Name: "amoCRM 5xx (30 % of requests)", Target: "amo", At: sec(60), For: sec(30), down: amo(amofake.Faults{ErrorRate: 0.3}), up: clear},
		{Name: "amoCRM slow answers (3 s)", Target: "amo", At: sec(110), For: sec(40), down: amo(amofake.Faults{Latency: 3 * time.Second}), up: clear},
		{Name: "amoCRM dropped connections (20 %)", Target: "amo", At: sec(170), For: sec(30), down: amo(amofake.Faults{DropRate: 0.2}), up: clear},
		{Name: "amoCRM refresh answer lost", Target: "amo", At: sec(220), For: sec(20), down: s.loseRefreshAnswer, up: clear},
		{Name: "amoCRM account blocked (403)", Target: "amo", At: sec(260), For: sec(60),
			down: func(context.Context, *fault) { s.fake.SetFaults(retail, amofake.Faults{Blocked: true}) }, up: clear},
		{Name: "RabbitMQ restart", Target: "core", At: sec(340), For: sec(20), down: rabbitDown, up: rabbitUp},
		{Name: "Postgres restart", Target: "core", At: sec(375), For: sec(15), down: pgDown, up: pgUp},
		{Name: "worker restart", Target: "core", At: sec(405), For: sec(10),
			down: func(context.Context, *fault) { s.killWorkers() }, up: func(ctx context.Context, _ *fault) { s.startWorkers(ctx) }},
		{Name: "bridge restart", Target: "core", At: sec(430), For: sec(10),
			down: func(context.Context, *fault) { s.killBridge() }, up: func(ctx context.Context, _ *fault) { s.startBridge(ctx) }},
		{Name: "Temporal restart", Target: "core", At: sec(455), For: sec(10),
			down: func(context.Context, *fault) { s.stopTemporal() },
			up: func(ctx context.Context, f *fault) {
				if err := s.startTemporal(ctx); err != nil {
					f.note("Temporal did not start again: %v", err)
				}
			}},
		{Name: "1C down (connections refused)", Target: "1c", At: sec(480), For: sec(120),
			down: func(context.Context, *fault) { s.oneCProxy.Cut() }, up: func(context.Context, *fault) { s.oneCProxy.Restore() }},
	}
}

// runSchedule runs the faults at their (scaled) times from start.
func runSchedule(ctx context.Context, start time.Time, faults []*fault, scale float64) {
	for _, f := range faults {
		at := start.Add(time.Duration(float64(f.At) * scale))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		log.Printf("fault down: %s", f.Name)
		f.Start = time.Now()
		f.down(ctx, f)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(float64(f.For) * scale)):
		}
		f.up(ctx, f)
		f.End = time.Now()
		log.Printf("fault up:   %s (%.0f s)", f.Name, f.End.Sub(f.Start).Seconds())
	}
}

// loseRefreshAnswer makes the next refresh of the retail account issue a new
// pair and lose the answer, then expires the access tokens so that a refresh
// comes. The fake's DropRefreshAnswer fault is set through its JSON faults
// endpoint (drop_refresh_answer): a fake without it ignores the key, and the
// step says so.
func (s *stack) loseRefreshAnswer(ctx context.Context, f *fault) {
	u := s.fakeURL + "/_fake/" + retail + "/faults"
	resp, err := s.http.Post(u, "application/json", strings.NewReader(`{"drop_refresh_answer":1}`))
	if err != nil {
		f.note("setting drop_refresh_answer: %v", err)
		return
	}
	resp.Body.Close()
	resp, err = s.http.Get(u)
	if err == nil {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"drop_refresh_answer":1`) {
			f.note("NOT INJECTED: this fake has no DropRefreshAnswer fault yet (it answered %s); the access tokens expire, the refresh works", bytes.TrimSpace(raw))
		}
	}
	s.fake.ExpireTokens(retail)
	s.fake.ExpireTokens(corp)
}

// operator is the one hand allowed on the keyboard: while the soak runs,
// an account that needs re-authorization gets a new authorization code (as
// `amoflow auth exchange` does) after a reaction time, and each time is
// recorded.
func (s *stack) operator(ctx context.Context, record func(string)) {
	for ctx.Err() == nil {
		for _, acct := range []*config.Account{s.retail, s.corp} {
			row, err := s.db.Token(ctx, acct.Name)
			if err != nil || row.NeedsReauth == "" {
				continue
			}
			log.Printf("operator: %s needs re-authorization (%s)", acct.Name, row.NeedsReauth)
			time.Sleep(10 * time.Second) // the operator reacts to the alert
			if err := s.reauthorize(ctx, acct); err != nil {
				record(fmt.Sprintf("%s %s: re-authorization failed: %v", time.Now().Format("15:04:05"), acct.Name, err))
				continue
			}
			record(fmt.Sprintf("%s %s: re-authorized (amoflow auth exchange) after %q", time.Now().Format("15:04:05"), acct.Name, row.NeedsReauth))
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// shell runs a command for -real-restarts and returns its outcome.
func shell(cmd string) string {
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%v %s", err, strings.TrimSpace(string(out)))
	}
	return "ok"
}
