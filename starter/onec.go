package starter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"amoflow/mq"
	"amoflow/onec"
	"amoflow/secret"
	"amoflow/workflows"
)

// The 1C surface (docs/flows.md#from-1c-to-amocrm, docs/flows.md#from-1c-to-amocrm). Every request is checked,
// stored in RabbitMQ as a job of kind "1c" and answered 202 with the job;
// 1C reads the result (amo_ids, …) from GET /v1/jobs/{id}?wait=30s. The
// managers list and the legacy course endpoint wait for their job and
// answer with its result, as the old synchronous endpoints did.

// onecWait bounds how long a synchronous answer waits for its job.
const onecWait = 25 * time.Second

// onecTokenHeader carries the 1C token (cfg.Inbound.OneCToken).
const onecTokenHeader = "X-Amoflow-Token"

// onecJob is one kind of 1C request: its flow and how to read it.
type onecJob struct {
	slug string // in job ids: 1c-{slug}-…
	flow string
	// parse reads and checks the body (JSON object) into the flow's input
	// and names the account it concerns ("" when several or unknown).
	parse func(s *server, r *http.Request, raw json.RawMessage) (input any, account string, p *problem)
}

// onecRoutes adds the 1C routes.
func (s *server) onecRoutes(r *mux.Router) {
	post, patch := http.MethodPost, http.MethodPatch
	for _, rt := range []struct {
		path    string
		methods []string
		job     onecJob
	}{
		{"/v1/1c/clients", []string{post, patch}, onecJob{"client", workflows.ClientFrom1CName, parseClient}},
		{"/v1/1c/companies", []string{post, patch}, onecJob{"company", workflows.CompanyFrom1CName, parseCompany}},
		{"/v1/1c/orders", []string{post, patch}, onecJob{"order", workflows.OrderFrom1CName, parseOrder}},
		{"/v1/1c/courses", []string{post}, onecJob{"course", workflows.CourseFrom1CName, parseCourse}},
		{"/v1/1c/courses/delete", []string{post}, onecJob{"course-delete", workflows.DeleteCourse1CName, parseDelete(false)}},
		{"/v1/1c/courses/dedupe", []string{post}, onecJob{"course-dedupe", workflows.DeleteCourse1CName, parseDelete(true)}},
		{"/v1/1c/study_groups", []string{post}, onecJob{"group", workflows.StudyGroupLeadName, parseStudyGroup}},
		{"/v1/1c/corp_leads", []string{post}, onecJob{"corp-lead", workflows.CorpLeadByINNName, parseCorpLead}},
		{"/v1/1c/change_resp", []string{post}, onecJob{"change-resp", workflows.ChangeResponsible1CName, parseChangeResp}},
	} {
		s.handle(r, rt.path, s.onecAuth(s.onecAccept(rt.job))).Methods(rt.methods...)
	}
	s.handle(r, "/v1/1c/managers", s.onecAuth(http.HandlerFunc(s.onecManagers))).Methods(http.MethodGet)
	// The old course sync (docs/flows.md#coursefrom1c), authenticated by secret_key in the body.
	for _, path := range []string{"/amo/api", "/amo/api/", "/amo/api/v2", "/amo/api/v2/"} {
		s.handle(r, path, http.HandlerFunc(s.onecLegacyCourses)).Methods(http.MethodPost)
	}
}

// onecToken is the 1C token of the request (X-Amoflow-Token, or
// Authorization: Bearer).
func onecToken(r *http.Request) string {
	if got := r.Header.Get(onecTokenHeader); got != "" {
		return got
	}
	got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return got
}

// onecAuth lets through requests carrying the 1C token (X-Amoflow-Token,
// or Authorization: Bearer), compared in constant time. Without a
// configured token every request is refused.
func (s *server) onecAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !secret.Equal(onecToken(r), s.cfg.Inbound.OneCToken) {
			s.reject(w, r, &problem{Type: problemType + "unauthorized", Title: "Unauthorized", Status: http.StatusUnauthorized,
				Detail: "send the 1C token in " + onecTokenHeader})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// onecAccept stores a 1C request as a job and answers 202.
func (s *server) onecAccept(job onecJob) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		id, ok := s.onecPublish(w, r, job, input, account)
		if ok {
			s.writeAccepted(w, id)
		}
	})
}

// onecPublish stores the job; on failure it answers 503 and reports false.
func (s *server) onecPublish(w http.ResponseWriter, r *http.Request, job onecJob, input any, account string) (string, bool) {
	now := s.now().UTC()
	key := strings.TrimSpace(r.Header.Get(idempotencyHeader))
	id := workflows.OneCJobID(job.slug, key, input, now, s.cfg.Inbound.DedupWindow)
	body, err := workflows.NewOneCJob(job.flow, input)
	if err != nil {
		panic(err) // the flows and inputs above always encode
	}
	// A caller's key is bound to its body; the managers' per-minute key is ours.
	if key != "" && !serverKeyed[job.slug] {
		h := workflows.NewIDHash()
		h.Add("1c-body/v1")
		h.Add(job.slug)
		h.Add(string(body))
		if p := s.checkIdempotency(r.Context(), id, h.Sum()); p != nil {
			s.reject(w, r, p)
			return "", false
		}
	}
	msg := mq.Message{ID: id, Kind: mq.Kind1C, Account: account, ReceivedAt: now, Body: body}
	if err := s.publish(r.Context(), msg); err != nil {
		s.log.Error("1C request not stored", "job_id", id, "flow", job.flow, "err", err)
		writeProblem(w, notStored())
		return "", false
	}
	s.log.Info("1C request stored", "job_id", id, "flow", job.flow, "path", r.URL.Path)
	return id, true
}

func parseClient(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var c onec.Student
	if p := decodeInto(raw, &c); p != nil {
		return nil, "", p
	}
	patch := r.Method == http.MethodPatch
	if p := validateClient(c, patch); p != nil {
		return nil, "", p
	}
	return workflows.ClientFrom1CInput{Client: c, UpdateOnly: patch}, "", nil
}

func parseCompany(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var c onec.Partner
	if p := decodeInto(raw, &c); p != nil {
		return nil, "", p
	}
	patch := r.Method == http.MethodPatch
	if p := validatePartner(c, patch); p != nil {
		return nil, "", p
	}
	return workflows.CompanyFrom1CInput{Partner: c, UpdateOnly: patch}, s.cfg.OneC.CorporateAccount, nil
}

func parseOrder(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var a onec.Application
	if p := decodeInto(raw, &a); p != nil {
		return nil, "", p
	}
	patch := r.Method == http.MethodPatch
	if p := validateApplication(a, patch); p != nil {
		return nil, "", p
	}
	account := s.cfg.OneC.RetailAccount
	if a.IsCorporate {
		account = s.cfg.OneC.CorporateAccount
	}
	if name, ok := s.cfg.OneC.OrganizationAccounts[strings.TrimSpace(a.Organization)]; ok {
		account = name
	}
	if _, ok := s.cfg.Account(account); !ok {
		return nil, "", invalidField("organization", "no amoCRM account is configured for this order")
	}
	return workflows.OrderFrom1CInput{Application: a, UpdateOnly: patch}, account, nil
}

func parseCourse(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var c onec.Course
	if p := decodeInto(raw, &c); p != nil {
		return nil, "", p
	}
	if p := validateCourse(c); p != nil {
		return nil, "", p
	}
	return workflows.CourseFrom1CInput{Course: c}, "", nil
}

func parseDelete(keepOne bool) func(*server, *http.Request, json.RawMessage) (any, string, *problem) {
	return func(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
		var in struct {
			UID onec.GUID `json:"uid"`
		}
		if p := decodeInto(raw, &in); p != nil {
			return nil, "", p
		}
		if p := checkGUID("uid", in.UID); p != nil {
			return nil, "", p
		}
		return workflows.DeleteCourseInput{UID: in.UID, KeepOne: keepOne}, "", nil
	}
}

func parseStudyGroup(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var g workflows.StudyGroupInput
	if p := decodeInto(raw, &g); p != nil {
		return nil, "", p
	}
	if p := validateStudyGroup(g); p != nil {
		return nil, "", p
	}
	return g, s.cfg.OneC.RetailAccount, nil
}

func parseCorpLead(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var in struct {
		workflows.CorpLeadInput
		ManagerID onec.ID `json:"manager_id"` // the LK sends a form: a string
	}
	if p := decodeInto(raw, &in); p != nil {
		return nil, "", p
	}
	c := in.CorpLeadInput
	c.ManagerID = in.ManagerID.Int()
	if p := validateCorpLead(c); p != nil {
		return nil, "", p
	}
	return c, s.cfg.OneC.CorporateAccount, nil
}

// parseChangeResp reads Sensei's change of responsible (docs/flows.md#changeresponsible1c): id (the
// retail lead), uid (the 1C contract), resp, and sensei_hash for the
// callback, whose URL comes from the configuration, never from the caller.
func parseChangeResp(s *server, r *http.Request, raw json.RawMessage) (any, string, *problem) {
	var in struct {
		ID         onec.ID `json:"id"`
		UID        string  `json:"uid"`
		Resp       string  `json:"resp"`
		SenseiHash string  `json:"sensei_hash"`
	}
	if p := decodeInto(raw, &in); p != nil {
		return nil, "", p
	}
	if in.SenseiHash == "" {
		in.SenseiHash = r.URL.Query().Get("sensei_hash")
	}
	switch {
	case in.ID.Int() <= 0:
		return nil, "", invalidField("id", "is required (the lead id)")
	case strings.TrimSpace(in.UID) == "":
		return nil, "", invalidField("uid", "is required (the 1C contract uid)")
	case strings.TrimSpace(in.Resp) == "":
		return nil, "", invalidField("resp", "is required")
	}
	account := s.cfg.OneC.RetailAccount
	out := workflows.ChangeResponsibleInput{Account: account, LeadID: in.ID.Int(), ContractUID: strings.TrimSpace(in.UID), Resp: strings.TrimSpace(in.Resp)}
	if h := strings.TrimSpace(in.SenseiHash); h != "" && s.cfg.OneC.SenseiCallbackURL != "" {
		out.CallbackURL = s.cfg.OneC.SenseiCallbackURL + "?" + url.Values{"result": {"changed"}, "hash": {h}}.Encode()
	}
	return out, account, nil
}

// onecManagers answers GET /v1/1c/managers with the corporate managers
// (docs/flows.md#listmanagers): one job per minute serves every caller of that minute.
func (s *server) onecManagers(w http.ResponseWriter, r *http.Request) {
	job := onecJob{slug: "managers", flow: workflows.ListManagersName}
	r.Header.Set("Idempotency-Key", workflows.ManagersKey(s.now()))
	id, ok := s.onecPublish(w, r, job, workflows.ListManagersInput{}, s.cfg.OneC.CorporateAccount)
	if !ok {
		return
	}
	st, done := s.onecAwait(r.Context(), id)
	switch {
	case !done:
		s.writeAccepted(w, id)
	case st.Status != "completed":
		writeProblem(w, &problem{Type: problemType + "job-failed", Title: "Job failed", Status: http.StatusBadGateway, Detail: st.Error})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(st.Result)
	}
}

// onecAwait waits up to inbound.legacy.wait (default onecWait) for a job to finish.
func (s *server) onecAwait(ctx context.Context, id string) (JobStatus, bool) {
	if s.jobsAPI == nil {
		return JobStatus{}, false
	}
	wait := onecWait
	if w := s.cfg.Inbound.Legacy.Wait; w > 0 {
		wait = w // inbound.legacy.wait
	}
	deadline := time.Now().Add(wait)
	for {
		st, err := s.jobsAPI.Status(ctx, id, time.Until(deadline))
		if err == nil && st.Status != "running" {
			return st, true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return st, false
		}
		select {
		case <-ctx.Done():
			return st, false
		case <-time.After(100 * time.Millisecond):
		}
	}
}
