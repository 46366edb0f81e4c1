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
	events   map[int64]Event
	emails   map[int64]map[string]int64 // session → email → participation
	nextID   int64
}

// NewFake returns a fake that accepts the token.
func NewFake(token string) *Fake {
	return &Fake{token: token, sessions: map[int64][]Participation{}, events: map[int64]Event{},
		emails: map[int64]map[string]int64{}, nextID: 900000}
}

// AddEvent stores an event with its sessions (registration opens them).
func (f *Fake) AddEvent(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[ev.ID] = ev
	for _, s := range ev.Sessions {
		if _, ok := f.sessions[s.ID]; !ok {
			f.sessions[s.ID] = nil
		}
	}
}

// Registered is the participation of email in a session (0: none).
func (f *Fake) Registered(session int64, email string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.emails[session][strings.ToLower(email)]
}

// Link is the personal link the fake hands out for a participation.
func Link(participation int64) string {
	return "https://events.webinar.ru/j/fake/" + strconv.FormatInt(participation, 10)
}

func notFound(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"error":{"message":"` + what + ` not found","code":404}}`))
}

// event answers GET /organization/events/{id}.
func (f *Fake) event(w http.ResponseWriter, id string) {
	n, err := strconv.ParseInt(id, 10, 64)
	ev, ok := f.events[n]
	if err != nil || !ok {
		notFound(w, "Event")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ev)
}

// register answers POST /eventsessions/{id}/register: an email registered
// before gets its participation again, as webinar.ru does.
func (f *Fake) register(w http.ResponseWriter, r *http.Request, id string) {
	n, err := strconv.ParseInt(id, 10, 64)
	if _, ok := f.sessions[n]; err != nil || !ok {
		notFound(w, "Event session")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	if email == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"email is required","code":400}}`))
		return
	}
	if f.emails[n] == nil {
		f.emails[n] = map[string]int64{}
	}
	p := f.emails[n][email]
	if p == 0 {
		f.nextID++
		p = f.nextID
		f.emails[n][email] = p
		f.sessions[n] = append(f.sessions[n], Participation{ID: p})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"participationId": p, "link": Link(p), "contactId": p + 1})
}

// Add registers participations to a session.
func (f *Fake) Add(session int64, ps ...Participation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[session] = append(f.sessions[session], ps...)
}

// ServeHTTP implements GET /eventsessions/{id}/participations, GET
// /organization/events/{id} and POST /eventsessions/{id}/register.
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
	switch {
	case r.Method == http.MethodGet && n >= 3 && parts[n-3] == "organization" && parts[n-2] == "events":
		f.event(w, parts[n-1])
		return
	case r.Method == http.MethodPost && n >= 3 && parts[n-3] == "eventsessions" && parts[n-1] == "register":
		f.register(w, r, parts[n-2])
		return
	}
	if r.Method != http.MethodGet || n < 3 || parts[n-3] != "eventsessions" || parts[n-1] != "participations" {
		http.NotFound(w, r)
		return
	}
	id, err := strconv.ParseInt(parts[n-2], 10, 64)
	ps, ok := f.sessions[id]
	if err != nil || !ok {
		notFound(w, "Event session")
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
