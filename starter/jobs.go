package starter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"
)

// maxWait caps ?wait=: long enough for a synchronous-looking answer to 1C,
// short enough for proxies between us and the caller.
const maxWait = 60 * time.Second

// maxWaiters bounds the ?wait= requests held at once: each holds a long poll
// on Temporal. Past it a caller gets 429 and retries.
const maxWaiters = 256

// JobStatus is the answer of GET /v1/jobs/{id}.
type JobStatus struct {
	JobID  string          `json:"job_id"`
	Status string          `json:"status"` // running, completed, failed, canceled, terminated, timed_out
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Jobs reports on the workflow behind a job id. starter owns the interface;
// app.TemporalJobs implements it on a Temporal client, so this package knows
// HTTP, the broker and the workflow inputs, not Temporal's API.
type Jobs interface {
	// Status returns the job's status, waiting up to wait for it to finish.
	// A job whose workflow does not exist (yet) gives ErrUnknownJob.
	Status(ctx context.Context, id string, wait time.Duration) (JobStatus, error)
}

// ErrUnknownJob means no workflow has the job id (yet).
var ErrUnknownJob = errors.New("unknown job")

// jobs answers GET /v1/jobs/{id}/{cap}[?wait=30s] (and /v1/jobs/{id} with
// the 1C token). Without a valid capability it answers 404 as for an
// unknown job, without asking Temporal.
func (s *server) jobs(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	id := vars["id"]
	if !s.jobAllowed(r, id, vars["cap"]) {
		writeProblem(w, &problem{Type: problemType + "unknown-job", Title: "Unknown job", Status: http.StatusNotFound,
			Detail: "no job has this status URL", Field: "id"})
		return
	}
	var wait time.Duration
	if v := r.URL.Query().Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeProblem(w, invalidField("wait", "wait must be a duration such as 30s"))
			return
		}
		wait = min(d, maxWait)
	}
	if s.jobsAPI == nil {
		writeProblem(w, &problem{Type: problemType + "unavailable", Title: "Jobs unavailable", Status: http.StatusServiceUnavailable,
			Detail: "this process has no Temporal connection"})
		return
	}
	if wait > 0 {
		select {
		case s.waiters <- struct{}{}:
			defer func() { <-s.waiters }()
		default:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, &problem{Type: problemType + "busy", Title: "Too many waiting requests", Status: http.StatusTooManyRequests,
				Detail: "too many status requests are waiting; retry shortly"})
			return
		}
	}
	st, err := s.jobsAPI.Status(r.Context(), id, wait)
	switch {
	case errors.Is(err, ErrUnknownJob):
		writeProblem(w, &problem{Type: problemType + "unknown-job", Title: "Unknown job", Status: http.StatusNotFound,
			Detail: "no job has this id, or it is still queued; retry shortly", Field: "id"})
		return
	case err != nil:
		s.log.Warn("jobs: status failed", "job_id", id, "err", err)
		writeProblem(w, &problem{Type: problemType + "unavailable", Title: "Status unavailable", Status: http.StatusServiceUnavailable,
			Detail: "Temporal did not answer"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}
