// Package egrulfake is an in-memory company register (docs/architecture.md#fakes)
// answering like the service behind egrul.base_url: GET /{inn}.json gives the
// stored record in the register's JSON shape (attributes under
// "@attributes", the company under "СвЮЛ", a sole trader under "СвИП"),
// 404 for an unknown INN. Tests add records with Put; Fail makes the next
// lookups answer a status (500, 429, …). Every lookup is counted.
package egrulfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"amoflow/egrul"
)

// Server is a fake register.
type Server struct {
	mu      sync.Mutex
	records map[string]egrul.Company
	fail    []int
	lookups map[string]int
}

// New returns an empty register.
func New() *Server {
	return &Server{records: map[string]egrul.Company{}, lookups: map[string]int{}}
}

// Put stores a record under c.INN.
func (s *Server) Put(c egrul.Company) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[c.INN] = c
}

// Fail makes the next len(statuses) lookups answer these statuses in turn.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// Lookups is how often inn was asked for.
func (s *Server) Lookups(inn string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups[inn]
}

// ServeHTTP answers GET /{inn}.json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	inn, ok := strings.CutSuffix(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], ".json")
	if r.Method != http.MethodGet || !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.lookups[inn]++
	var status int
	if len(s.fail) > 0 {
		status, s.fail = s.fail[0], s.fail[1:]
	}
	c, found := s.records[inn]
	s.mu.Unlock()
	switch {
	case status != 0:
		http.Error(w, http.StatusText(status), status)
	case !found:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(Record(c))
	}
}

// Record is c in the register's JSON shape; Address is split back into
// index, region, street and house at its ", " and last " ".
func Record(c egrul.Company) map[string]any {
	at := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				m[kv[i]] = kv[i+1]
			}
		}
		return map[string]any{"@attributes": m}
	}
	rec := at("ОГРН", c.OGRN, "ИНН", c.INN, "КПП", c.KPP)
	names := at("НаимЮЛПолн", c.FullName)
	names["СвНаимЮЛСокр"] = at("НаимСокр", c.ShortName)
	rec["СвНаимЮЛ"] = names
	if c.Email != "" {
		rec["СвАдрЭлПочты"] = at("E-mail", c.Email)
	}
	if parts := strings.SplitN(c.Address, ", ", 3); len(parts) == 3 {
		street, house := parts[2], ""
		if i := strings.LastIndex(parts[2], " "); i > 0 {
			street, house = parts[2][:i], parts[2][i+1:]
		}
		addr := at("Индекс", parts[0], "Дом", house)
		addr["Регион"] = at("НаимРегион", parts[1])
		addr["Улица"] = at("НаимУлица", street)
		rec["СвАдресЮЛ"] = map[string]any{"АдресРФ": addr}
	}
	key := "СвЮЛ"
	if c.SoleTrader {
		key = "СвИП"
	}
	return map[string]any{key: rec}
}
