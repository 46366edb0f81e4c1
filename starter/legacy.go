package starter

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"amoflow/config"
	"amoflow/secret"
	"amoflow/workflows"
)

// The old systems' URLs (README "Migrating from the old URLs"): callers of
// the PHP and C# integrations keep their URLs and get the old status codes
// and bodies. Every group is off (404) unless inbound.legacy enables it.
// The work is a stored job like any other; where the old endpoint answered
// synchronously, the answer waits for the job up to inbound.legacy.wait and
// then falls back to 202 with the job.

// legacyPHPRoutes adds the old PHP endpoints. The support_leads directory
// is spelled with a Cyrillic "с" (callers send /amo/1%D1%81/…); the router
// matches the decoded path.
func (s *server) legacyPHPRoutes(r *mux.Router) {
	s.handle(r, "/amo/api/corpLead.php", http.HandlerFunc(s.legacyCorpLead))
	s.handle(r, "/amo/api/getManagers.php", http.HandlerFunc(s.legacyManagers))
	s.handle(r, "/amo/api/v2/change_resp.php", http.HandlerFunc(s.legacyChangeResp)).Methods(http.MethodPost)
	s.handle(r, "/amo/1с/support_leads.php", http.HandlerFunc(s.legacySupportLeads)).Methods(http.MethodPost)
}

// legacyOpen reports whether group g serves r: a disabled group answers 404
// like any unknown URL, a client outside its allow_from 403.
func (s *server) legacyOpen(w http.ResponseWriter, r *http.Request, g config.LegacyRoute) bool {
	if !g.Enabled {
		notFound(w, r)
		return false
	}
	if len(g.AllowFrom) > 0 {
		if addr, ok := s.proxies.clientAddr(r); !ok || !legacyAllowed(g.AllowFrom, addr) {
			s.reject(w, r, hookForbidden("this address may not use this URL"))
			return false
		}
	}
	return true
}

// legacyKey checks the old ?key= shared secret in constant time; a wrong
// key gets the old 403 {"status":"access_denied"}.
func (s *server) legacyKey(w http.ResponseWriter, r *http.Request, g config.LegacyRoute) bool {
	if secret.Equal(r.URL.Query().Get("key"), g.Key) {
		return true
	}
	s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusForbidden, "detail", "bad key")
	writeStatus(w, http.StatusForbidden, "access_denied")
	return false
}

// writeStatus answers the old PHP way: {"status": status}.
func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"status": status})
}

// legacyRun stores the job, waits for it and calls done with its result,
// failed when it failed; a job still running is answered 202 with the job.
func (s *server) legacyRun(w http.ResponseWriter, r *http.Request, job onecJob, input any, account string,
	res any, done func(), failed func(string)) {
	id, ok := s.onecPublish(w, r, job, input, account)
	if !ok {
		return
	}
	st, finished := s.onecAwait(r.Context(), id)
	switch {
	case !finished:
		s.writeAccepted(w, id)
	case st.Status != "completed":
		s.log.Warn("legacy job failed", "job_id", id, "path", r.URL.Path, "status", st.Status)
		failed(st.Error)
	default:
		// A result that does not decode is answered as a failure, never as
		// a success with zero ids.
		if err := json.Unmarshal(st.Result, res); err != nil {
			s.log.Warn("legacy job result undecodable", "job_id", id, "path", r.URL.Path, "err", err)
			failed(err.Error())
			return
		}
		done()
	}
}

// emptyBody reports whether the request has no body, restoring what it read.
func emptyBody(r *http.Request) (bool, *problem) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return false, readError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return len(bytes.TrimSpace(b)) == 0, nil
}

// legacyCorpLead is the corporate LK's POST /amo/api/corpLead.php?key=…
// (docs/flows.md#corpleadbyinn): 403 {"status":"access_denied"} for a wrong
// key, then 405 {"status":"method_not_allowed"} for another method, 400
// {"status":"empty_request"} for an empty form, in that order as before;
// 201 {"lead_id","contact_id","company_id"} once the lead is made (the old
// endpoint never got that far), 500 {"status":"error"} when it failed.
func (s *server) legacyCorpLead(w http.ResponseWriter, r *http.Request) {
	g := s.cfg.Inbound.Legacy.CorpLead
	if !s.legacyOpen(w, r, g) || !s.legacyKey(w, r, g) {
		return
	}
	if r.Method != http.MethodPost {
		writeStatus(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	empty, p := emptyBody(r)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var raw json.RawMessage
	if !empty {
		if raw, p = onecBody(r); p != nil {
			s.reject(w, r, p)
			return
		}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || len(fields) == 0 {
		writeStatus(w, http.StatusBadRequest, "empty_request")
		return
	}
	input, account, p := parseCorpLead(s, r, raw)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var res workflows.CorpLeadResult
	s.legacyRun(w, r, onecJob{slug: "corp-lead", flow: workflows.CorpLeadByINNName}, input, account, &res,
		func() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]int64{"lead_id": res.LeadID, "contact_id": res.ContactID, "company_id": res.CompanyID})
		},
		func(string) { writeStatus(w, http.StatusInternalServerError, "error") })
}

// legacyManagers is the LK's GET /amo/api/getManagers.php?key=…: 403
// {"status":"access_denied"} for a wrong key, else what GET /v1/1c/managers
// answers, [{"name","id","email"}].
func (s *server) legacyManagers(w http.ResponseWriter, r *http.Request) {
	g := s.cfg.Inbound.Legacy.Managers
	if !s.legacyOpen(w, r, g) || !s.legacyKey(w, r, g) {
		return
	}
	s.onecManagers(w, r)
}

// legacyChangeResp is Sensei's POST /amo/api/v2/change_resp.php
// (docs/flows.md#changeresponsible1c), which had no secret: id, uid, resp
// and sensei_hash (form, JSON, or sensei_hash in the query). It answers 200
// "changed" once 1C took the change (Sensei's callback is the flow's), 200
// "error" when the flow failed (it left its note and task), as before; a
// request missing a field is not stored and answers 400 "error".
func (s *server) legacyChangeResp(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.ChangeResp) {
		return
	}
	raw, p := onecBody(r)
	if p == nil {
		var input any
		var account string
		if input, account, p = parseChangeResp(s, r, raw); p == nil {
			s.legacyRun(w, r, onecJob{slug: "change-resp", flow: workflows.ChangeResponsible1CName}, input, account, new(json.RawMessage),
				func() { writeText(w, http.StatusOK, "changed") },
				func(string) { writeText(w, http.StatusOK, "error") })
			return
		}
	}
	s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "field", p.Field, "detail", p.Detail)
	writeText(w, http.StatusBadRequest, "error")
}

// legacySupportLeads is 1C's POST /amo/1с/support_leads.php
// (docs/flows.md#studygrouplead), which had no secret: a study group as
// JSON. It answers 200 with the lead id as plain text, as before; 500
// "error" when the flow failed. A group that does not validate is not
// stored (400 problem).
func (s *server) legacySupportLeads(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.SupportLeads) {
		return
	}
	raw, p := onecBody(r)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	input, account, p := parseStudyGroup(s, r, raw)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var res workflows.StudyGroupResult
	s.legacyRun(w, r, onecJob{slug: "group", flow: workflows.StudyGroupLeadName}, input, account, &res,
		func() {
			writeText(w, http.StatusOK, strconv.FormatInt(res.LeadID, 10))
		},
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}
