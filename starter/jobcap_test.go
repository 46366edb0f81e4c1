package starter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingJobs counts the calls that reach Temporal; block holds them.
type countingJobs struct {
	calls atomic.Int32
	block chan struct{}
}

func (c *countingJobs) Status(ctx context.Context, id string, wait time.Duration) (JobStatus, error) {
	c.calls.Add(1)
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
		}
	}
	return JobStatus{JobID: id, Status: "completed", Result: json.RawMessage(`{}`)}, nil
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestJobStatusURLIsACapability(t *testing.T) {
	jobs := &countingJobs{}
	cfg := testConfig()
	cfg.Inbound.OneCToken = testOneCToken
	cfg.Inbound.JobsSecret = "jobs-secret"
	h := New(cfg, Deps{Publisher: &fakePublisher{}, Jobs: jobs})

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader("name=A&phone=89161234567"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(w, req)
	var a accepted
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(a.StatusURL, cfg.HTTP.PublicURL)
	if w.Code != http.StatusAccepted || !strings.HasPrefix(path, "/v1/jobs/"+a.JobID+"/") {
		t.Fatalf("202 = %d %+v", w.Code, a)
	}
	if w := get(h, path); w.Code != http.StatusOK || jobs.calls.Load() != 1 {
		t.Fatalf("status_url = %d (calls %d)", w.Code, jobs.calls.Load())
	}

	// Guessable ids without the capability: 404, Temporal never asked.
	for _, p := range []string{"/v1/jobs/" + a.JobID, "/v1/jobs/1c-managers-29012345", "/v1/jobs/" + a.JobID + "/AAAAAAAAAAAAAAAAAAAAAA",
		"/v1/jobs/1c-managers-29012345" + path[strings.LastIndex(path, "/"):]} {
		if w := get(h, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
	if jobs.calls.Load() != 1 {
		t.Fatalf("Temporal asked %d times for ids without a capability", jobs.calls.Load()-1)
	}
	// 1C, with its token, reads any job by id.
	if w := get(h, "/v1/jobs/"+a.JobID, onecTokenHeader, testOneCToken); w.Code != http.StatusOK {
		t.Fatalf("1C token = %d", w.Code)
	}

	// Another secret (another deployment) does not accept this capability.
	cfg2 := testConfig()
	cfg2.Inbound.JobsSecret = "other"
	if w := get(New(cfg2, Deps{Publisher: &fakePublisher{}, Jobs: jobs}), path); w.Code != http.StatusNotFound {
		t.Fatalf("capability under another secret = %d", w.Code)
	}
}

func TestJobWaitersAreCapped(t *testing.T) {
	jobs := &countingJobs{block: make(chan struct{})}
	cfg := testConfig()
	cfg.Inbound.OneCToken = testOneCToken
	h := New(cfg, Deps{Publisher: &fakePublisher{}, Jobs: jobs})

	var wg sync.WaitGroup
	for range maxWaiters {
		wg.Add(1)
		go func() { defer wg.Done(); get(h, "/v1/jobs/x?wait=30s", onecTokenHeader, testOneCToken) }()
	}
	for jobs.calls.Load() < maxWaiters {
		time.Sleep(time.Millisecond)
	}
	w := get(h, "/v1/jobs/x?wait=30s", onecTokenHeader, testOneCToken)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("waiter past the cap = %d", w.Code)
	}
	// A plain status read does not hold a long poll and is not capped.
	before := jobs.calls.Load()
	go get(h, "/v1/jobs/x", onecTokenHeader, testOneCToken)
	for jobs.calls.Load() == before {
		time.Sleep(time.Millisecond)
	}
	close(jobs.block)
	wg.Wait()
	if w := get(h, "/v1/jobs/x?wait=1s", onecTokenHeader, testOneCToken); w.Code != http.StatusOK {
		t.Errorf("after the waiters left = %d", w.Code)
	}
}
