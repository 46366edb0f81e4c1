package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"amoflow/internal/testrig"
	"amoflow/mq"
)

// run sets the stack up, sends the stream under the schedule, waits for
// quiescence and checks; ok is false when a target is missed.
func run(o options) (bool, error) {
	// Interrupted, the soak still drops its database and queues.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	s, err := newStack(ctx, o)
	if err != nil {
		return false, err
	}
	defer s.close()
	s.fake.ResetCalls()

	rep := &report{Command: strings.TrimSpace("go run ./soak " + strings.Join(os.Args[1:], " ")), GoVersion: runtime.Version(),
		NumCPU: runtime.NumCPU(), Load1: testrig.Load1(), Duration: o.duration.String(), Rate: o.rate, RealRestarts: o.realRestarts}
	var opMu sync.Mutex
	opCtx, stopOperator := context.WithCancel(ctx)
	defer stopOperator()
	go s.operator(opCtx, func(msg string) {
		opMu.Lock()
		rep.OperatorActions = append(rep.OperatorActions, msg)
		opMu.Unlock()
		log.Printf("operator: %s", msg)
	})

	t := newTraffic(s)
	scale := float64(o.duration) / float64(10*time.Minute)
	faults := s.schedule(scale)
	rep.Start = time.Now()
	log.Printf("traffic for %v at rate %.2f, %d faults; results in %s", o.duration, o.rate, len(faults), o.out)
	streamCtx, stopStream := context.WithTimeout(ctx, o.duration)
	defer stopStream()
	giveUp, stopRetrying := context.WithTimeout(ctx, o.duration+o.drain)
	defer stopRetrying()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); runSchedule(ctx, rep.Start, faults, scale) }()
	t.run(streamCtx, giveUp, o.rate)
	log.Printf("traffic over; waiting for the faults to end and the requests still being resent")
	wg.Wait()
	t.wait()
	rep.TrafficEnd = time.Now()

	// Quiescence: every accepted job closed, nothing running, queues empty.
	deadline := rep.Start.Add(o.duration + o.drain)
	var wfs map[string]wfInfo
	for {
		jobs := t.snapshot()
		wfs, err = s.workflows(ctx)
		open, queued := 0, 0
		if err == nil {
			for _, j := range jobs {
				if w, ok := wfs[j.ID]; j.ID != "" && (!ok || w.Close.IsZero()) {
					open++
				}
			}
			for _, w := range wfs {
				if w.Close.IsZero() {
					open++
				}
			}
			queued = s.queued()
		}
		if err == nil && open == 0 && queued == 0 {
			break
		}
		if ctx.Err() != nil {
			return false, errors.New("interrupted")
		}
		if time.Now().After(deadline) {
			log.Printf("not quiescent at the deadline: %d unfinished, %d queued (%v)", open, queued, err)
			break
		}
		log.Printf("draining: %d unfinished jobs or workflows, %d messages queued", open, queued)
		time.Sleep(5 * time.Second)
	}
	stopOperator()
	rep.End = time.Now()
	if wfs, err = s.workflows(ctx); err != nil {
		return false, fmt.Errorf("listing the workflows: %w", err)
	}
	ok := rep.check(ctx, s, t.snapshot(), wfs, faults)
	if err := rep.write(o.out); err != nil {
		return false, err
	}
	return ok, nil
}

// wfInfo is what visibility says of one workflow.
type wfInfo struct {
	Type   string
	Status enums.WorkflowExecutionStatus
	Start  time.Time
	Close  time.Time // zero while it runs
}

// workflows lists every workflow of the soak's Temporal (it serves nothing
// else), by workflow id (the latest run).
func (s *stack) workflows(ctx context.Context) (map[string]wfInfo, error) {
	out := map[string]wfInfo{}
	var token []byte
	for {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		resp, err := s.tc.ListWorkflow(cctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.cfg.Temporal.Namespace, PageSize: 1000, NextPageToken: token})
		cancel()
		if err != nil {
			return nil, err
		}
		for _, e := range resp.Executions {
			w := wfInfo{Type: e.GetType().GetName(), Status: e.Status, Start: e.GetStartTime().AsTime()}
			if e.CloseTime != nil {
				w.Close = e.CloseTime.AsTime()
			}
			id := e.GetExecution().GetWorkflowId()
			if old, ok := out[id]; ok && old.Start.After(w.Start) {
				continue
			}
			out[id] = w
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out, nil
		}
	}
}

// failure is the innermost error a closed workflow failed with.
func (s *stack) failure(ctx context.Context, id string) string {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.tc.GetWorkflow(cctx, id, "").Get(cctx, nil)
	if err == nil {
		return ""
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	msg := err.Error()
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return msg
}

// queued is the number of messages waiting in the work queues (dead letters apart).
func (s *stack) queued() int {
	topo := mq.FromConfig(s.cfg.RabbitMQ, "").Topology
	n := 0
	for _, d := range testrig.QueueDepths(s.cfg.RabbitMQ, topo.Queues()...) {
		if d < 0 {
			return 1 // unknown counts as not empty
		}
		n += d
	}
	return n
}

// deadLetters is the depth of the dead-letter queue.
func (s *stack) deadLetters() int {
	topo := mq.FromConfig(s.cfg.RabbitMQ, "").Topology
	return testrig.QueueDepths(s.cfg.RabbitMQ, topo.DeadQueue())[0]
}
