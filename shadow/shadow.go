// Package shadow records the writes amoflow plans in shadow mode (README
// "Shadow mode"): an account (or some flows of it) runs every flow with
// reads against the live account, and each write an activity would send to
// amoCRM or 1C is stored here, with the ids it would have created, instead.
// The amoCRM and 1C clients call a Recorder from their HTTP transports
// (amocrm/shadow.go, onec/shadow.go); shadow/report compares the planned
// writes with what the old system really did.
package shadow

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"

	"amoflow/seal"
	"amoflow/store"
)

// OneCAccount is the account name under which 1C writes are recorded.
const OneCAccount = "1c"

// ErrNoActivity refuses a shadowed write made outside a workflow activity:
// without a job there is nothing to key it by, and sending it would break
// the promise that a shadow account is never written.
var ErrNoActivity = errors.New("shadow mode: a write outside a workflow activity is neither sent nor recorded")

// Origin is the activity a write comes from. Its identity ignores the
// attempt and the run, so a retried attempt (or a reset run) that plans the
// same write finds the row the first one made.
type Origin struct {
	WorkflowID, RunID, WorkflowType string
	ActivityID, ActivityType        string
	Attempt                         int32
}

// OriginOf returns the activity running in ctx, if any.
func OriginOf(ctx context.Context) (Origin, bool) {
	if ctx == nil || !activity.IsActivity(ctx) {
		return Origin{}, false
	}
	in := activity.GetInfo(ctx)
	return Origin{
		WorkflowID:   in.WorkflowExecution.ID,
		RunID:        in.WorkflowExecution.RunID,
		WorkflowType: in.WorkflowType.Name,
		ActivityID:   in.ActivityID,
		ActivityType: in.ActivityType.Name,
		Attempt:      in.Attempt,
	}, true
}

// Recorder stores planned writes in Postgres (table shadow_writes).
type Recorder struct {
	DB *store.DB
	// Ring, when set, seals the bodies (they hold personal data).
	Ring *seal.Ring
	// Retention: rows older than this are purged now and then (0: never here).
	Retention time.Duration
	Log       *slog.Logger

	seq     sequencer
	records atomic.Int64
}

// purgeEvery is how many recorded writes pass between two purges.
const purgeEvery = 500

// Plan records one write of account (method, path with its query, JSON body)
// made by the activity in ctx, and returns newIDs numbers for what it
// creates: the same numbers every attempt of that activity gets for its
// n-th write to the same path.
func (r *Recorder) Plan(ctx context.Context, account, method, path string, body []byte, newIDs int) ([]int64, error) {
	o, ok := OriginOf(ctx)
	if !ok {
		return nil, ErrNoActivity
	}
	return r.plan(ctx, o, account, method, path, body, newIDs)
}

// plan is Plan for the activity o.
func (r *Recorder) plan(ctx context.Context, o Origin, account, method, path string, body []byte, newIDs int) ([]int64, error) {
	n := r.seq.next(o, method, path)
	id := Identity(account, o, method, path, n)
	w := store.ShadowWrite{
		Identity: id, Account: account,
		WorkflowID: o.WorkflowID, RunID: o.RunID, WorkflowType: o.WorkflowType,
		ActivityType: o.ActivityType, ActivityID: o.ActivityID,
		Method: method, Path: path, Body: body,
	}
	if r.Ring != nil && len(body) > 0 {
		w.BodyKey, w.Body = r.Ring.ActiveID(), r.Ring.Seal(body, id)
	}
	ids, err := r.DB.RecordShadowWrite(ctx, w, newIDs)
	if err != nil {
		return nil, err
	}
	writesTotal.WithLabelValues(account, o.WorkflowType, method).Inc()
	if r.Log != nil {
		// The request line (entity ids only) and the job, never the body.
		line, _, _ := strings.Cut(path, "?")
		r.Log.Info("shadow write planned", "account", account, "workflow_id", o.WorkflowID,
			"flow", o.WorkflowType, "activity", o.ActivityType, "method", method, "path", line)
	}
	if r.Retention > 0 && r.records.Add(1)%purgeEvery == 0 {
		_, _ = r.DB.PurgeShadowWrites(context.WithoutCancel(ctx), r.Retention) // best effort
	}
	return ids, nil
}

// Open returns w's body in clear.
func (r *Recorder) Open(w store.ShadowWrite) ([]byte, error) {
	return OpenBody(r.Ring, w)
}

// OpenBody returns w's body in clear, opening it with ring when sealed.
func OpenBody(ring *seal.Ring, w store.ShadowWrite) ([]byte, error) {
	if w.BodyKey == "" {
		return w.Body, nil
	}
	if ring == nil {
		return nil, fmt.Errorf("shadow write %d is sealed with key %s and no token key is configured", w.ID, w.BodyKey)
	}
	b, err := ring.Open(w.BodyKey, w.Body, w.Identity)
	if err != nil {
		return nil, fmt.Errorf("shadow write %d: %w", w.ID, err)
	}
	return b, nil
}

// Identity is the attempt-independent digest of a write: the account, the
// job, the activity, the request line and n, the write's place among the
// activity attempt's writes to that path (an attempt that re-plans its
// writes in the same order lands on the same rows; the body may differ
// between attempts, e.g. a due time taken from the clock).
func Identity(account string, o Origin, method, path string, n int) []byte {
	h := sha256.New()
	for _, s := range []string{account, o.WorkflowID, o.ActivityID, method, path} {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(s)))
		h.Write(l[:])
		h.Write([]byte(s))
	}
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], uint64(n))
	h.Write(nb[:])
	return h.Sum(nil)
}

// sequencer numbers an attempt's writes per path. Entries older than an
// hour (no activity of ours runs that long) are dropped once many pile up.
type sequencer struct {
	mu   sync.Mutex
	seen map[string]*attemptSeq
}

type attemptSeq struct {
	at time.Time
	n  map[string]int
}

const (
	sequencerTTL   = time.Hour
	sequencerPrune = 1024 // attempts remembered before old ones are looked for
)

func (s *sequencer) next(o Origin, method, path string) int {
	key := o.WorkflowID + "\x00" + o.RunID + "\x00" + o.ActivityID + "\x00" + strconv.Itoa(int(o.Attempt))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]*attemptSeq{}
	}
	a := s.seen[key]
	if a == nil && len(s.seen) >= sequencerPrune {
		for k, old := range s.seen {
			if now.Sub(old.at) > sequencerTTL {
				delete(s.seen, k)
			}
		}
	}
	if a == nil {
		a = &attemptSeq{at: now, n: map[string]int{}}
		s.seen[key] = a
	}
	line := method + " " + path
	n := a.n[line]
	a.n[line] = n + 1
	return n
}
