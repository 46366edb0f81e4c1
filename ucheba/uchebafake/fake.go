// Package uchebafake is an in-memory ucheba.ru CRM API (docs/architecture.md#fakes)
// answering like the real one: GET /crm/institutions/{id}/leads with
// dateFrom, dateTo, limit and offset gives {"total","items"} of the leads
// added for those days, a page at a time; a wrong X-Auth-Token is 401, an
// unknown institution 404. Tests add leads with Add; FailNext makes the
// next requests answer 502. Every request is counted.
package uchebafake

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"amoflow/internal/outside"
	"amoflow/secret"
	"amoflow/ucheba"
)

// Server is a fake API for one institution.
type Server struct {
	outside.Faults
	token       string
	institution int64

	mu   sync.Mutex
	days map[string][]ucheba.Lead
}

// New returns a fake of the institution accepting token.
func New(token string, institution int64) *Server {
	return &Server{token: token, institution: institution, days: map[string][]ucheba.Lead{}}
}

// Add lists leads under a day (YYYY-MM-DD), in this order.
func (s *Server) Add(day string, leads ...ucheba.Lead) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.days[day] = append(s.days[day], leads...)
}

// ServeHTTP answers GET /…/crm/institutions/{id}/leads.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Failed(w) {
		return
	}
	if !secret.Equal(r.Header.Get("X-Auth-Token"), s.token) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "code": 401})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(parts)
	if r.Method != http.MethodGet || n < 4 || parts[n-4] != "crm" || parts[n-3] != "institutions" || parts[n-1] != "leads" {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not found", "code": 404})
		return
	}
	if id, err := strconv.ParseInt(parts[n-2], 10, 64); err != nil || id != s.institution {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Institution not found", "code": 404})
		return
	}
	q := r.URL.Query()
	from, to := q.Get("dateFrom"), q.Get("dateTo")
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	offset = max(offset, 0)
	s.mu.Lock()
	all := []ucheba.Lead{}
	for _, day := range slices.Sorted(maps.Keys(s.days)) { // a stable order across pages
		if (from == "" || day >= from) && (to == "" || day <= to) {
			all = append(all, s.days[day]...)
		}
	}
	s.mu.Unlock()
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	writeJSON(w, http.StatusOK, ucheba.Page{Total: len(all), Items: all[start:end]})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
