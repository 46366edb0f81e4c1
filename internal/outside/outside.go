// Package outside holds what the clients of outside HTTP services (the
// site's events API, the LK service, webinar.ru) and their fakes share:
// one error type that says whether to retry, the call itself with its
// classification, and the fakes' call counting and injected failures.
package outside

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// Error is a failed call. It carries neither secrets nor personal data.
type Error struct {
	Service   string // "eventsapi", "lk", "webinar.ru"
	Status    int    // 0 without an HTTP answer
	Retryable bool
	Reason    string
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return e.Service + ": " + e.Reason
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Service, e.Status, e.Reason)
}

// IsRetryable reports whether another attempt may succeed.
func IsRetryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Answer is a service's answer, its body read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req and reads at most limit bytes of the answer. No answer, a
// cut answer, 429 and 5xx are retryable Errors (a cancelled ctx is its
// own error); any other status is the caller's to judge.
func Do(ctx context.Context, hc *http.Client, req *http.Request, service string, limit int64) (Answer, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Answer{}, ctx.Err()
		}
		return Answer{}, &Error{Service: service, Retryable: true, Reason: "no answer (" + transportReason(err) + ")"}
	}
	defer resp.Body.Close()
	a := Answer{Status: resp.StatusCode, Header: resp.Header}
	if a.Body, err = io.ReadAll(io.LimitReader(resp.Body, limit)); err != nil {
		return a, &Error{Service: service, Status: a.Status, Retryable: true, Reason: "answer cut short"}
	}
	if a.Status == http.StatusTooManyRequests || a.Status >= 500 {
		return a, &Error{Service: service, Status: a.Status, Retryable: true, Reason: http.StatusText(a.Status)}
	}
	return a, nil
}

// transportReason names a transport failure without the URL (which may
// carry a token or a name).
func transportReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timeout"
		}
		err = ue.Err
	}
	return err.Error()
}

// Faults counts a fake's calls and fails the next ones on demand.
type Faults struct {
	mu    sync.Mutex
	calls int
	fail  int
}

// FailNext answers the next n requests 502.
func (f *Faults) FailNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = n
}

// Calls is the number of requests served.
func (f *Faults) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Failed counts a request and, when a failure is due, answers it 502 (as
// a proxy in front of the service would) and reports true.
func (f *Faults) Failed(w http.ResponseWriter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail > 0 {
		f.fail--
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		return true
	}
	return false
}
