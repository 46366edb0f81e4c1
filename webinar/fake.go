package webinar

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"amoflow/internal/outside"
	"amoflow/secret"
)

// Fake is an in-memory webinar.ru user API for tests and amoflow dev: it
// lists the participations added to it per session, pages them as the API
// does, checks the token, counts calls and can fail.
type Fake struct {
	outside.Faults
	token string

	mu       sync.Mutex
	sessions map[int64][]Participation
}

// NewFake returns a fake that accepts the token.
func NewFake(token string) *Fake {
	return &Fake{token: token, sessions: map[int64][]Participation{}}
}

// Add registers participations to a session.
func (f *Fake) Add(session int64, ps ...Participation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[session] = append(f.sessions[session], ps...)
}

// ServeHTTP implements GET /eventsessions/{id}/participations.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.Failed(w) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !secret.Equal(r.Header.Get("X-Auth-Token"), f.token) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"message":"Unauthorized","code":401}}`))
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(parts)
	if r.Method != http.MethodGet || n < 3 || parts[n-3] != "eventsessions" || parts[n-1] != "participations" {
		http.NotFound(w, r)
		return
	}
	id, err := strconv.ParseInt(parts[n-2], 10, 64)
	ps, ok := f.sessions[id]
	if err != nil || !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"message":"Event session not found","code":404}}`))
		return
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("perPage"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if size <= 0 || size > perPage {
		size = perPage
	}
	if page < 1 {
		page = 1
	}
	from := min((page-1)*size, len(ps))
	to := min(from+size, len(ps))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ps[from:to])
}
