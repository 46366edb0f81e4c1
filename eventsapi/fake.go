package eventsapi

import (
	"encoding/json"
	"html"
	"net/http"
	"sync"

	"amoflow/secret"
)

// Fake is an in-memory events API for tests and local runs: it answers the
// events added to it by name, checks the secret, counts calls and can fail.
type Fake struct {
	secret string

	mu     sync.Mutex
	events map[string]Event
	calls  int
	fail   int // answer the next fail calls with 502
}

// NewFake returns a fake that accepts the given secret (as Client sends it).
func NewFake(secret string) *Fake {
	return &Fake{secret: secret, events: map[string]Event{}}
}

// Add makes the fake know an event under name (the lead's event name).
func (f *Fake) Add(name string, e Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[name] = e
}

// Calls is the number of requests served.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// FailNext answers the next n requests 502.
func (f *Fake) FailNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = n
}

// ServeHTTP implements the API.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail > 0 {
		f.fail--
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		return
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if f.secret != "" && !secret.Equal(r.PostForm.Get("secret"), f.secret) {
		http.Error(w, "access denied", http.StatusForbidden)
		return
	}
	e, ok := f.events[html.UnescapeString(r.PostForm.Get("name"))]
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if !ok {
		w.Write([]byte("null"))
		return
	}
	json.NewEncoder(w).Encode(e)
}
