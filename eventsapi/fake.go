package eventsapi

import (
	"encoding/json"
	"html"
	"net/http"
	"sync"

	"amoflow/internal/outside"
	"amoflow/secret"
)

// Fake is an in-memory events API for tests and local runs: it answers the
// events added to it by name, checks the secret, counts calls and can fail.
type Fake struct {
	outside.Faults
	secret string

	mu     sync.Mutex
	events map[string]Event
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

// ServeHTTP implements the API.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.Failed(w) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
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
