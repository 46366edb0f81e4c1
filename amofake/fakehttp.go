package amofake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// fakeRoutes serves the inspection methods over HTTP under /_fake/, for a
// fake running as its own process (amoflow fake-amo) and for curl. These
// requests are not rate limited, authenticated or logged.
func (s *Server) fakeRoutes() {
	m := s.fake
	m.HandleFunc("GET /_fake/{$}", s.fakeIndex)
	m.HandleFunc("POST /_fake/reset-calls", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})

	get := func(path string, f func(sub string, r *http.Request) any) {
		m.HandleFunc("GET /_fake/{sub}/"+path, s.withAccount(func(w http.ResponseWriter, r *http.Request, sub string) {
			writeJSON(w, 200, f(sub, r))
		}))
	}
	get("leads", func(sub string, _ *http.Request) any { return s.Leads(sub) })
	get("contacts", func(sub string, _ *http.Request) any { return s.Contacts(sub) })
	get("companies", func(sub string, _ *http.Request) any { return s.Companies(sub) })
	get("tasks", func(sub string, _ *http.Request) any { return s.Tasks(sub) })
	get("links", func(sub string, _ *http.Request) any { return s.Links(sub) })
	get("events", func(sub string, _ *http.Request) any { return s.Events(sub) })
	get("notes", func(sub string, _ *http.Request) any { return s.Notes(sub, "") })
	get("notes/{entity}", func(sub string, r *http.Request) any { return s.Notes(sub, r.PathValue("entity")) })
	get("tags/{entity}", func(sub string, r *http.Request) any { return s.Tags(sub, r.PathValue("entity")) })
	get("catalogs/{cat}/elements", func(sub string, r *http.Request) any {
		cat, _ := strconv.ParseInt(r.PathValue("cat"), 10, 64)
		return s.CatalogElements(sub, cat)
	})
	get("calls", func(sub string, _ *http.Request) any {
		a, unlock := s.lock(sub)
		defer unlock()
		counts := map[string]int{}
		for k, v := range a.counts {
			counts[k] = v
		}
		return map[string]any{"calls": a.calls, "counts": counts}
	})
	get("faults", func(sub string, _ *http.Request) any { return toFaultsJSON(s.CurrentFaults(sub)) })

	seed := func(path string, add func(sub string, body []byte) (int64, error)) {
		m.HandleFunc("POST /_fake/{sub}/"+path, s.withAccount(func(w http.ResponseWriter, r *http.Request, sub string) {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody))
			id, err := add(sub, buf.Bytes())
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, 200, map[string]int64{"id": id})
		}))
	}
	seed("leads", func(sub string, b []byte) (int64, error) {
		var l Lead
		if err := decodeSeed(b, &l); err != nil {
			return 0, err
		}
		return s.addLead(sub, l)
	})
	seed("contacts", func(sub string, b []byte) (int64, error) {
		var c Contact
		if err := decodeSeed(b, &c); err != nil {
			return 0, err
		}
		return s.addContact(sub, c)
	})
	seed("companies", func(sub string, b []byte) (int64, error) {
		var c Company
		if err := decodeSeed(b, &c); err != nil {
			return 0, err
		}
		return s.addCompany(sub, c)
	})
	seed("catalogs/{cat}/elements", func(sub string, b []byte) (int64, error) {
		var el CatalogElement
		if err := decodeSeed(b, &el); err != nil {
			return 0, err
		}
		if el.CatalogID == 0 {
			return 0, fmt.Errorf("catalog_id is required")
		}
		return s.addElement(sub, el)
	})
	seed("links", func(sub string, b []byte) (int64, error) {
		var l Link
		if err := decodeSeed(b, &l); err != nil {
			return 0, err
		}
		return 0, s.addLink(sub, l)
	})

	action := func(path string, f func(sub string, w http.ResponseWriter, r *http.Request)) {
		m.HandleFunc("POST /_fake/{sub}/"+path, s.withAccount(func(w http.ResponseWriter, r *http.Request, sub string) {
			f(sub, w, r)
		}))
	}
	action("expire-tokens", func(sub string, w http.ResponseWriter, _ *http.Request) {
		s.ExpireTokens(sub)
		w.WriteHeader(http.StatusNoContent)
	})
	action("revoke-refresh-tokens", func(sub string, w http.ResponseWriter, _ *http.Request) {
		s.RevokeRefreshTokens(sub)
		w.WriteHeader(http.StatusNoContent)
	})
	action("tokens", func(sub string, w http.ResponseWriter, r *http.Request) {
		ttl, _ := time.ParseDuration(r.URL.Query().Get("ttl"))
		writeJSON(w, 200, s.IssueToken(sub, ttl))
	})
	action("faults", func(sub string, w http.ResponseWriter, r *http.Request) {
		var fj faultsJSON
		if err := json.NewDecoder(r.Body).Decode(&fj); err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		f, err := fj.faults()
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		s.SetFaults(sub, f)
		writeJSON(w, 200, toFaultsJSON(f))
	})
}

// fakeIndex lists the accounts and the /_fake/ routes.
func (s *Server) fakeIndex(w http.ResponseWriter, r *http.Request) {
	var accounts []any
	for _, sub := range s.subs {
		a := s.accounts[sub]
		accounts = append(accounts, map[string]any{"subdomain": sub, "account_id": a.cfg.AccountID,
			"base_url": origin(r) + "/" + sub})
	}
	writeJSON(w, 200, map[string]any{"accounts": accounts, "routes": []string{
		"GET /_fake/{sub}/leads|contacts|companies|tasks|links|events|notes[/{entity}]|tags/{entity}|catalogs/{cat}/elements",
		"POST /_fake/{sub}/leads|contacts|companies|catalogs/{cat}/elements|links  (seed; JSON as the GET lists)",
		"GET /_fake/{sub}/calls", "POST /_fake/reset-calls",
		"POST /_fake/{sub}/expire-tokens", "POST /_fake/{sub}/revoke-refresh-tokens", "POST /_fake/{sub}/tokens?ttl=1h",
		"GET|POST /_fake/{sub}/faults  {\"latency\":\"2s\",\"error_rate\":0.1,\"force_429\":1,\"force_401\":1,\"force_5xx\":1,\"blocked\":false,\"drop_refresh_answer\":1,\"drop_rate\":0.1}",
	}})
}

func (s *Server) withAccount(h func(w http.ResponseWriter, r *http.Request, sub string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sub := r.PathValue("sub")
		if s.accounts[sub] == nil {
			writeJSON(w, 404, map[string]string{"error": "no account " + sub})
			return
		}
		h(w, r, sub)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(encode(v))
}

// decodeSeed decodes a seeded entity, keeping custom field numbers exact.
func decodeSeed(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// faultsJSON is Faults for curl: latency as a duration string ("250ms").
type faultsJSON struct {
	Latency   string  `json:"latency"`
	ErrorRate float64 `json:"error_rate"`
	Force429  int     `json:"force_429"`
	Force401  int     `json:"force_401"`
	Force5xx  int     `json:"force_5xx"`
	Blocked   bool    `json:"blocked"`
	// DropRefreshAnswer: see Faults.DropRefreshAnswer.
	DropRefreshAnswer int     `json:"drop_refresh_answer"`
	DropRate          float64 `json:"drop_rate"`
}

func toFaultsJSON(f Faults) faultsJSON {
	return faultsJSON{f.Latency.String(), f.ErrorRate, f.Force429, f.Force401, f.Force5xx, f.Blocked, f.DropRefreshAnswer, f.DropRate}
}

func (fj faultsJSON) faults() (Faults, error) {
	f := Faults{ErrorRate: fj.ErrorRate, Force429: fj.Force429, Force401: fj.Force401, Force5xx: fj.Force5xx, Blocked: fj.Blocked,
		DropRefreshAnswer: fj.DropRefreshAnswer, DropRate: fj.DropRate}
	if fj.Latency != "" {
		d, err := time.ParseDuration(fj.Latency)
		if err != nil {
			return Faults{}, err
		}
		f.Latency = d
	}
	return f, nil
}
