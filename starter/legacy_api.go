package starter

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gorilla/mux"

	"amoflow/workflows"
)

// The old C# host's own API (README "Migrating from the old URLs"): its
// home page, the telephony's call sorter and the lead tasks. Each group is
// off (404) unless inbound.legacy enables it.

// legacyAPIRoutes adds them. "/" matches only the bare path: every other
// route keeps its own.
func (s *server) legacyAPIRoutes(r *mux.Router) {
	s.handle(r, "/", http.HandlerFunc(s.legacyHome))
	s.handle(r, "/api/callsorter", s.legacyCallSorter())
	s.handle(r, "/api/leadtasks/{id}", http.HandlerFunc(s.legacyLeadTasks))
	s.handle(r, "/api/leadtasks", http.HandlerFunc(s.legacyLeadTaskReport))
}

// legacyHome is GET / of the old host: 200 "mzpo2amo", which monitors used
// to tell it was up (amoflow's own liveness is /healthz).
func (s *server) legacyHome(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Home) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, r)
		return
	}
	writeText(w, http.StatusOK, "mzpo2amo")
}

// legacyCallSorter is the telephony's GET /api/callsorter: the telephony
// cannot split one queue between two groups of managers, so it asks which
// branch each call takes and gets {"choice":0}, {"choice":1}, {"choice":0}…
// (the first is 0, as before). Only the addresses in
// inbound.legacy.call_sorter.allow_from (the client as
// inbound.trusted_proxies resolve it) get an answer; others 401, as before.
//
// The alternation is per starter process, like the old single process's
// in-memory bit: with one starter the calls alternate exactly; with n
// starters behind a balancer each alternates its own, so the split stays
// even to within one call per process. A shared counter would put a
// database round trip (and its outage) in the path of every phone call for
// no gain the telephony can see.
func (s *server) legacyCallSorter() http.Handler {
	var calls atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := s.cfg.Inbound.Legacy.CallSorter
		if !g.Enabled {
			notFound(w, r)
			return
		}
		if r.Method != http.MethodGet {
			methodNotAllowed(w, r)
			return
		}
		if addr, ok := s.proxies.clientAddr(r); !ok || !legacyAllowed(g.AllowFrom, addr) {
			s.reject(w, r, hookUnauthorized("this address may not use the call sorter"))
			return
		}
		choice := (calls.Add(1) - 1) % 2
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]uint64{"choice": choice})
	})
}

// legacyLeadTasks is GET /api/leadtasks/{id}: the lead's open tasks in
// widgets.lead_tasks.account, each with widgets.lead_tasks.variants, as the
// old JSON list [{"task_id","variants"}] (LeadTasks, an amoCRM read on the
// account's rate-limited queue); 500 "error" when the read failed, 202 with
// the job after inbound.legacy.wait. One job per lead and minute serves
// every caller. An id that is not a positive number is 400 "error".
func (s *server) legacyLeadTasks(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.LeadTasks) {
		return
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	id, err := strconv.ParseInt(strings.TrimSpace(mux.Vars(r)["id"]), 10, 64)
	if err != nil || id <= 0 {
		s.log.Info("request rejected", "path", "/api/leadtasks/{id}", "status", http.StatusBadRequest, "detail", "id is not a number")
		writeText(w, http.StatusBadRequest, "error")
		return
	}
	r.Header.Set(idempotencyHeader, workflows.LeadTasksKey(id, s.now()))
	var res json.RawMessage
	s.legacyRun(w, r, onecJob{slug: "lead-tasks", flow: workflows.LeadTasksName}, workflows.LeadTasksInput{LeadID: id},
		s.cfg.Widgets.LeadTasks.Account, &res,
		func() {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(res)
		},
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}

// legacyLeadTaskReport is PUT /api/leadtasks: the old endpoint appended the
// body to a file and answered 200 (with {"Message":"SUCCESS"} for an
// XMLHttpRequest). The body, as sent (any content type, up to
// http.body_limit), is kept like a 1C notice: a OneCNotice job of kind
// leadtask stores it, sealed, in onec_notices (amoflow notices --kind
// leadtask). The answer follows once the broker has it; the same body
// within inbound.dedup_window is one job.
func (s *server) legacyLeadTaskReport(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.LeadTasks) {
		return
	}
	if r.Method != http.MethodPut {
		methodNotAllowed(w, r)
		return
	}
	if !s.keepNotice(w, r, workflows.LeadTaskNoticeKind) {
		return
	}
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"Message":"SUCCESS"}`)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// keepNotice stores r's body, as sent (any content type, up to
// http.body_limit: 413 above it), as a OneCNotice job of kind that keeps
// it, sealed, in onec_notices: the 1C notices and the lead task reports.
// It reports whether the broker has it; otherwise it answered.
func (s *server) keepNotice(w http.ResponseWriter, r *http.Request, kind string) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, r, readError(err))
		return false
	}
	ctype := r.Header.Get("Content-Type")
	if len(ctype) > maxNoticeType { // a type, not a payload
		ctype = ctype[:maxNoticeType]
	}
	ctype = strings.ToValidUTF8(ctype, "") // it goes into a text column
	input := workflows.OneCNoticeInput{Kind: kind, ContentType: ctype, Body: body}
	_, ok := s.onecPublish(w, r, onecJob{slug: "notice-" + kind, flow: workflows.OneCNoticeName}, input, "")
	return ok
}
