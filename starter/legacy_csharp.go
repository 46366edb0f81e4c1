package starter

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"amoflow/hookevents"
	"amoflow/onec"
	"amoflow/secret"
	"amoflow/workflows"
)

// The old C# integration's URLs (see legacy.go).

// legacyCSharpRoutes adds them: site forms, the amoCRM hook paths under
// /wh/ and /webhook/, and /integration/1c/….
func (s *server) legacyCSharpRoutes(r *mux.Router) {
	s.handle(r, "/siteform/retail", s.cors.wrap(s.limitForms(s.legacySiteForm("retail")))).Methods(http.MethodPost, http.MethodOptions)
	s.handle(r, "/siteform/corp", s.cors.wrap(s.limitForms(s.legacySiteForm("corp")))).Methods(http.MethodPost, http.MethodOptions)
	s.handle(r, "/wh/{hook:.+}", http.HandlerFunc(s.legacyHook))
	s.handle(r, "/webhook/{hook:.+}", http.HandlerFunc(s.legacyHook))
	s.handle(r, "/integration/1c/{name}", http.HandlerFunc(s.legacyOneC))
}

// legacySiteForm is POST /siteform/retail|corp: the site form of
// POST /v1/forms for that account, answered 200 with an empty body once
// stored, as before. Only application/x-www-form-urlencoded is taken (400
// otherwise, as before; a charset parameter is accepted). Errors are
// problem JSON with the /v1/forms statuses.
func (s *server) legacySiteForm(account string) http.Handler {
	form := s.forms(false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.SiteForms) {
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != typeURLEncoded {
			p := unsupportedType(typeURLEncoded)
			p.Status = http.StatusBadRequest
			s.reject(w, r, p)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.reject(w, r, readError(err))
			return
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			s.reject(w, r, badBody("the body is not valid %s", typeURLEncoded))
			return
		}
		// The path names the account, whatever the form says.
		v.Set(keyAccount, account)
		r.Body = io.NopCloser(strings.NewReader(v.Encode()))
		c := &captured{header: w.Header()}
		form.ServeHTTP(c, r)
		if c.code == http.StatusAccepted {
			w.Header().Del("Location")
			w.Header().Del("Content-Type")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(c.code)
		w.Write(c.body.Bytes())
	})
}

// captured holds an answer so the caller can rewrite it.
type captured struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return c.body.Write(b)
}
func (c *captured) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}

// legacyHookMethods maps the old hook paths (after /wh/ or /webhook/) to
// the webhook methods of /v1/amo/webhooks/{method}.
var legacyHookMethods = map[string]string{
	"ret2corp/send":         "ret2corp",
	"ret2corp/success":      "corp2ret",
	"ret2corp/fail":         "corp2ret_fail",
	"corp2agr/send":         "corp2agr",
	"corp2agr/back":         "agr2corp",
	"processevents":         "processevents",
	"corp2ret/send":         "corp2retail",
	"corp2ret/success":      "corp2retail_success",
	"corp2ret/fail":         "corp2retail_fail",
	"createlk":              "createlk",
	"checkwebinaradmission": "webinar_admission",
	"ppie":                  "ppie",
	"leadprocessor":         "initial_lead",
	"ret/setcourse":         "setcourse",
	"capitalizecourse":      "capitalizecourse",
}

// legacyOneCSaves are the amoCRM hooks under /integration/1c/ that
// transfer a lead's client or company to 1C: the webhook method per
// account that sent it ("" where it had no such hook).
var legacyOneCSaves = map[string]struct{ retail, corp string }{
	"saveclient":  {"saveclient", "saveclient_corp"},
	"savecompany": {"", "savecompany"},
}

// legacyOneCEdits are the amoCRM hooks under /integration/1c/ that send an
// amoCRM edit to 1C: the webhook method per account that sent it (the
// corporate account has methods of its own; "" where it had no such hook).
var legacyOneCEdits = map[string]struct{ retail, corp string }{
	"updateclient":  {"updateclient", "updateclient_corp"},
	"updatecompany": {"", "updatecompany"},
	"updatelead":    {"updatelead", "updatelead_corp"},
}

// legacyHook is POST /wh/{path} and /webhook/{path}: the webhook of the
// mapped method, guarded and answered like the legacy /amo/webhooks/ route
// (inbound.legacy_webhooks' allow-list, account[id] or account[subdomain]
// required, 200 with an empty body once stored), after the old check of
// the lead id (legacyLeadNumber).
func (s *server) legacyHook(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Hooks) {
		return
	}
	path := strings.Trim(strings.ToLower(mux.Vars(r)["hook"]), "/")
	if path == "nightly" {
		s.legacyNightly(w, r)
		return
	}
	if h, ok := legacyBodyHooks[path]; ok {
		s.legacyBodyHookAs(w, r, h)
		return
	}
	if id, ok := strings.CutPrefix(path, "leadprocessor/"); ok {
		s.legacyLeadRerun(w, r, id)
		return
	}
	method, ok := legacyHookMethods[path]
	if !ok {
		notFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r)
		return
	}
	if _, ok := s.legacyLeadBody(w, r); !ok {
		return
	}
	s.legacyHookAs(w, r, method)
}

// legacyLeadRerun is GET /wh/leadprocessor/{id} (and /webhook/…), the old
// manual re-run of a retail lead's initial processing: a HandleWebhook
// delivery of initial_lead with one re-run event for the lead
// (hookevents.InitialLeadRerun), guarded like the other old hook paths
// (inbound.legacy_webhooks' allow-list; the path names the lead, the method
// the account). Clicks within inbound.dedup_window are one job; a later
// click runs again. 200 with an empty body once stored; an id that is not a
// positive integer "400 Incorrect lead number." as before.
func (s *server) legacyLeadRerun(w http.ResponseWriter, r *http.Request, raw string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if !s.legacyWebhookGuard(w, r) {
		return
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", "lead id is not a number")
		writeText(w, http.StatusBadRequest, "Incorrect lead number.")
		return
	}
	account, _, _ := workflows.WebhookRoute("initial_lead")
	if a, ok := s.cfg.Accounts[account]; !ok || a == nil {
		notFound(w, r)
		return
	}
	in := hookevents.InitialLeadRerun(account, id, s.now().UTC(), s.cfg.Inbound.DedupWindow)
	if s.storeWebhook(w, r, in, "rerun", true, "legacy", true) {
		w.WriteHeader(http.StatusOK)
	}
}

// legacyLeadBody reads an old lead hook's body, leaves it readable again for
// the webhook handler, and answers 400 as the old endpoint did when the lead
// id is not a number.
func (s *server) legacyLeadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, r, readError(err))
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if msg := legacyLeadNumber(string(body)); msg != "" {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", msg)
		writeText(w, http.StatusBadRequest, msg)
		return nil, false
	}
	return body, true
}

// legacyLeadNumber checks the lead id of an old lead hook as before:
// leads[add][0][id], overridden by leads[status][0][id] when present; none
// or 0 is "Incorrect lead number", a value that is not a number "Incorrect
// lead number.". It returns "" for a good id.
func legacyLeadNumber(body string) string {
	v, err := url.ParseQuery(body)
	if err != nil {
		return "Incorrect lead number."
	}
	id := v.Get("leads[add][0][id]")
	if st := v.Get("leads[status][0][id]"); st != "" {
		id = st
	}
	if id == "" {
		return "Incorrect lead number"
	}
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	switch {
	case err != nil:
		return "Incorrect lead number."
	case n == 0:
		return "Incorrect lead number"
	}
	return ""
}

// legacyHookAs hands r to the legacy webhook route as method.
func (s *server) legacyHookAs(w http.ResponseWriter, r *http.Request, method string) {
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = url.QueryEscape(method)
	s.webhooks(true).ServeHTTP(w, r2)
}

// legacyOneCJobs are the 1C calls of /integration/1c/{name}, mapped to the
// /v1/1c/ routes.
var legacyOneCJobs = map[string]onecJob{
	"client":  {"client", workflows.ClientFrom1CName, parseClient},
	"company": {"company", workflows.CompanyFrom1CName, parseCompany},
	"lead":    {"order", workflows.OrderFrom1CName, parseOrder},
	"course":  {"course", workflows.CourseFrom1CName, parseCourse},
}

// legacyOneC is /integration/1c/{name}. 1C's POST|PATCH client, company,
// lead and course take the 1C token (X-Amoflow-Token, Authorization:
// Bearer, or ?token= for a caller that cannot send headers) and answer,
// as before, 200 with the JSON array [{"account_id","entity_id"}] once
// done (or 202 with the job after inbound.legacy.wait); its POST
// paymentreceived and courseended are notices kept for an operator
// (legacyOneCNotice). savelead and update* are amoCRM hooks (the hooks
// group, guarded like the legacy webhook route).
func (s *server) legacyOneC(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(mux.Vars(r)["name"])
	if name == "savelead" {
		if s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Hooks) {
			s.legacySaveLead(w, r)
		}
		return
	}
	if m, ok := legacyOneCSaves[name]; ok {
		if s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Hooks) {
			s.legacyOneCEdit(w, r, m, true)
		}
		return
	}
	if m, ok := legacyOneCEdits[name]; ok {
		if s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Hooks) {
			s.legacyOneCEdit(w, r, m, false)
		}
		return
	}
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.OneC) {
		return
	}
	if slices.Contains(workflows.OneCNoticeKinds, name) {
		s.legacyOneCNotice(w, r, name)
		return
	}
	job, ok := legacyOneCJobs[name]
	if !ok {
		notFound(w, r)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		methodNotAllowed(w, r)
		return
	}
	if !s.legacyOneCToken(w, r) {
		return
	}
	raw, p := onecBody(r)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	input, account, p := job.parse(s, r, raw)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var res struct {
		AmoIDs []onec.AmoID `json:"amo_ids"`
	}
	s.legacyRun(w, r, job, input, account, &res,
		func() {
			if res.AmoIDs == nil {
				res.AmoIDs = []onec.AmoID{}
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(res.AmoIDs)
		},
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}

// legacyOneCToken checks the 1C token of an /integration/1c/ call
// (X-Amoflow-Token, Authorization: Bearer, or ?token= for a caller that
// cannot send headers); 401 otherwise.
func (s *server) legacyOneCToken(w http.ResponseWriter, r *http.Request) bool {
	token := onecToken(r)
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	if !secret.Equal(token, s.cfg.Inbound.OneCToken) {
		s.reject(w, r, hookUnauthorized("send the 1C token in "+onecTokenHeader+" or ?token="))
		return false
	}
	return true
}

// maxNoticeType bounds the content type kept with a 1C notice.
const maxNoticeType = 200

// legacyOneCNotice is POST /integration/1c/paymentreceived|courseended: the
// old system appended the body to a file and answered 200. The body, as
// sent (any content type, up to http.body_limit: 413 above it), becomes a
// OneCNotice job that keeps it, sealed, in onec_notices; 200 with an empty
// body once the broker has it. The same body within inbound.dedup_window
// is the same job.
func (s *server) legacyOneCNotice(w http.ResponseWriter, r *http.Request, kind string) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r)
		return
	}
	if s.legacyOneCToken(w, r) && s.keepNotice(w, r, kind) {
		w.WriteHeader(http.StatusOK)
	}
}

// legacyOneCEdit is POST /integration/1c/update{client,company,lead} and
// (leadHook) /integration/1c/save{client,company}, amoCRM hooks: the method
// of the account in the body (account[id] or account[subdomain]); an
// account without such a method is a 400 "Unexpected request.". A lead
// hook is checked first as before: its account ("Incorrect account
// number."), then its lead id (legacyLeadNumber).
func (s *server) legacyOneCEdit(w http.ResponseWriter, r *http.Request, m struct{ retail, corp string }, leadHook bool) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, r, readError(err))
		return
	}
	if leadHook {
		msg := legacyLeadNumber(string(body))
		if !legacyAccountNumber(body) {
			msg = "Incorrect account number."
		}
		if msg != "" {
			s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", msg)
			writeText(w, http.StatusBadRequest, msg)
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	method := m.retail
	if s.fromCorporate(body) {
		method = m.corp
	}
	if method == "" {
		writeText(w, http.StatusBadRequest, "Unexpected request.")
		return
	}
	s.legacyHookAs(w, r, method)
}

// legacySaveLead is POST /integration/1c/savelead, an amoCRM hook: the
// lead goes to 1C as savelead does (physics_corp for the corporate
// account's hook, by its account[id] or account[subdomain]).
func (s *server) legacySaveLead(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r)
		return
	}
	body, ok := s.legacyLeadBody(w, r)
	if !ok {
		return
	}
	method := "savelead"
	if s.fromCorporate(body) {
		method = "physics_corp"
	}
	s.legacyHookAs(w, r, method)
}

// legacyAccountNumber reports whether an old hook's body names its account
// (account[id] a number, or account[subdomain]).
func legacyAccountNumber(body []byte) bool {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return false
	}
	id, err := strconv.ParseInt(strings.TrimSpace(v.Get("account[id]")), 10, 64)
	return (err == nil && id > 0) || strings.TrimSpace(v.Get("account[subdomain]")) != ""
}

// fromCorporate reports whether an amoCRM hook's body names (account[id]
// or account[subdomain]) the account 1C takes corporate orders from.
func (s *server) fromCorporate(body []byte) bool {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return false
	}
	var id int64
	_ = json.Unmarshal([]byte(v.Get("account[id]")), &id) // not a number: 0, matched by subdomain or not at all
	a, ok := s.cfg.AccountByAmo(id, v.Get("account[subdomain]"))
	return ok && a.Name == s.cfg.OneC.CorporateAccount
}
