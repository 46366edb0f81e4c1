package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A phase is one load run against one server, measured after a warm-up.
type phase struct {
	Server   string        `json:"server"` // "bare" or "amoflow"
	Mode     string        `json:"mode"`   // "open" (fixed arrival rate) or "closed" (fixed concurrency)
	Rate     float64       `json:"rate,omitempty"`
	Conc     int           `json:"conc,omitempty"`
	Round    int           `json:"round,omitempty"` // of the repeated fixed-rate and closed-loop phases
	Warmup   time.Duration `json:"warmup"`
	Duration time.Duration `json:"duration"`
}

func (p phase) String() string {
	if p.Mode == "closed" {
		return fmt.Sprintf("%s closed-loop c=%d", p.Server, p.Conc)
	}
	return fmt.Sprintf("%s open-loop %.0f req/s", p.Server, p.Rate)
}

// result is what a phase measured, over requests intended (open loop) or
// sent (closed loop) after the warm-up.
type result struct {
	phase
	Sent       int     `json:"sent"`       // requests in the measured window
	OK         int     `json:"ok"`         // answered 202
	Errors     int     `json:"errors"`     // any other answer, transport errors, timeouts
	Dropped    int     `json:"dropped"`    // not sent: the generator's in-flight cap was reached (counted in Errors)
	Throughput float64 `json:"throughput"` // 202s per second of the measured window
	// Latencies of the 202 answers. Open loop: from the intended send time
	// (so a late sender or a queue in front of the server counts against
	// the server: no coordinated omission); closed loop: from the send.
	P50, P90, P99, P999, Max time.Duration
	// SendLag is how late the generator sent a request, at worst (open loop).
	SendLag  time.Duration `json:"send_lag"`
	ErrorMsg string        `json:"error_sample,omitempty"`
	CPU      cpuShare      `json:"cpu"`
	Load1    float64       `json:"load1_before"`
	Attempts int           `json:"attempts"` // runs of the phase; the least disturbed one is kept
}

func (r result) errorRate() float64 {
	if r.Sent == 0 {
		return 1
	}
	return float64(r.Errors) / float64(r.Sent)
}

// sample is the outcome of one request.
type sample struct {
	at   time.Time     // intended (open loop) or actual (closed loop) send time
	lat  time.Duration // until the answer was read
	code int           // HTTP status; 0: transport error; -1: dropped
	err  string
}

// loadgen sends the form bodies of next to url.
type loadgen struct {
	client      *http.Client
	url         string
	next        func() []byte // the next request body; safe for concurrent use
	maxInflight int
}

func newLoadgen(url string, next func() []byte, maxInflight int) *loadgen {
	tr := &http.Transport{
		MaxIdleConns:        maxInflight,
		MaxIdleConnsPerHost: maxInflight,
		IdleConnTimeout:     5 * time.Minute,
		DisableCompression:  true,
	}
	return &loadgen{client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, url: url, next: next, maxInflight: maxInflight}
}

func (g *loadgen) do(body []byte) (code int, errMsg string) {
	req, err := http.NewRequest(http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return resp.StatusCode, ""
}

// open sends rate requests per second at evenly spaced intended times,
// whatever the answers do (open loop). A request is sent at once when its
// time has come; it is never held back by a slow answer, except by the
// in-flight cap, which counts it as dropped.
func (g *loadgen) open(p phase) result {
	total := int(p.Rate * (p.Warmup + p.Duration).Seconds())
	interval := time.Duration(float64(time.Second) / p.Rate)
	bodies := make([][]byte, total)
	for i := range bodies {
		bodies[i] = g.next()
	}
	samples := make([]sample, total)
	var inflight atomic.Int64
	var wg sync.WaitGroup
	var lag time.Duration
	start := time.Now().Add(10 * time.Millisecond)
	for i := 0; i < total; {
		now := time.Now()
		for ; i < total; i++ {
			at := start.Add(time.Duration(i) * interval)
			if at.After(now) {
				break
			}
			samples[i].at = at
			if inflight.Load() >= int64(g.maxInflight) {
				samples[i].code = -1
				continue
			}
			if l := now.Sub(at); l > lag && at.Sub(start) >= p.Warmup {
				lag = l
			}
			inflight.Add(1)
			wg.Add(1)
			go func(s *sample, body []byte) {
				defer wg.Done()
				s.code, s.err = g.do(body)
				s.lat = time.Since(s.at)
				inflight.Add(-1)
			}(&samples[i], bodies[i])
		}
		if i < total {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		}
	}
	wg.Wait()
	r := summarize(p, samples, start.Add(p.Warmup))
	r.SendLag = lag
	return r
}

// closed runs p.Conc senders, each sending its next request as soon as the
// previous one was answered, for the warm-up and the duration.
func (g *loadgen) closed(p phase) result {
	start := time.Now()
	end := start.Add(p.Warmup + p.Duration)
	per := make([][]sample, p.Conc)
	var wg sync.WaitGroup
	for c := range per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]sample, 0, 4096)
			for {
				body := g.next()
				at := time.Now()
				if at.After(end) {
					break
				}
				code, err := g.do(body)
				out = append(out, sample{at: at, lat: time.Since(at), code: code, err: err})
			}
			per[c] = out
		}()
	}
	wg.Wait()
	return summarize(p, slices.Concat(per...), start.Add(p.Warmup))
}

// summarize keeps the samples sent from measureFrom on.
func summarize(p phase, samples []sample, measureFrom time.Time) result {
	r := result{phase: p}
	var lats []time.Duration
	for _, s := range samples {
		if s.at.Before(measureFrom) {
			continue
		}
		r.Sent++
		switch {
		case s.code == http.StatusAccepted:
			r.OK++
			lats = append(lats, s.lat)
		case s.code == -1:
			r.Errors++
			r.Dropped++
		default:
			r.Errors++
			if r.ErrorMsg == "" {
				r.ErrorMsg = s.err
			}
		}
	}
	r.Throughput = float64(r.OK) / p.Duration.Seconds()
	if len(lats) > 0 {
		slices.Sort(lats)
		q := func(f float64) time.Duration { return lats[min(len(lats)-1, int(f*float64(len(lats))))] }
		r.P50, r.P90, r.P99, r.P999, r.Max = q(0.50), q(0.90), q(0.99), q(0.999), lats[len(lats)-1]
	}
	return r
}
