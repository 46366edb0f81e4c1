package starter

import (
	"encoding/json"
	"net/http"
	"strings"

	"amoflow/onec"
	"amoflow/secret"
	"amoflow/workflows"
)

// onecLegacyCourses is the old course sync, POST /amo/api?{method} (and
// /amo/api/v2/?{method}), docs/flows.md#coursefrom1c. It answers like the old
// endpoint: 401 "Access denied!" without the right secret_key (compared in
// constant time), 404 "Incorrect course uid", 200 "no name", 200
// {"amo_ids":[…]} after update_course, 200 "Success" or 404 "Course not
// found" after delete_course and delete_doubles, an empty 200 for another
// method. The work is a stored job like any other; the answer waits for it
// up to onecWait, then falls back to 202 with the job.
func (s *server) onecLegacyCourses(w http.ResponseWriter, r *http.Request) {
	method, _, _ := strings.Cut(r.URL.RawQuery, "&")
	method, _, _ = strings.Cut(method, "=")
	raw, p := onecBody(r)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var auth struct {
		SecretKey string `json:"secret_key"`
	}
	_ = json.Unmarshal(raw, &auth) // no secret_key in it: refused below
	want := s.cfg.Inbound.OneCLegacySecret
	if !secret.Equal(auth.SecretKey, want) {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusUnauthorized, "detail", "bad secret_key")
		writeText(w, http.StatusUnauthorized, "Access denied!")
		return
	}
	switch method {
	case "update_course":
		var c onec.Course
		if p := decodeInto(raw, &c); p != nil {
			s.reject(w, r, p)
			return
		}
		if !c.ProductID.Valid() {
			writeText(w, http.StatusNotFound, "Incorrect course uid")
			return
		}
		if strings.TrimSpace(c.Name) == "" {
			writeText(w, http.StatusOK, "no name")
			return
		}
		s.onecLegacyRun(w, r, onecJob{slug: "course", flow: workflows.CourseFrom1CName}, workflows.CourseFrom1CInput{Course: c},
			func(result json.RawMessage) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(result)
			})
	case "delete_course", "delete_doubles":
		var in struct {
			UID onec.GUID `json:"uid"`
		}
		_ = json.Unmarshal(raw, &in) // no valid uid: refused below
		if !in.UID.Valid() {
			writeText(w, http.StatusNotFound, "Incorrect course uid")
			return
		}
		keep := method == "delete_doubles"
		slug := map[bool]string{false: "course-delete", true: "course-dedupe"}[keep]
		s.onecLegacyRun(w, r, onecJob{slug: slug, flow: workflows.DeleteCourse1CName}, workflows.DeleteCourseInput{UID: in.UID, KeepOne: keep},
			func(result json.RawMessage) {
				var res workflows.DeleteCourseResult
				if json.Unmarshal(result, &res) == nil && !res.Found {
					writeText(w, http.StatusNotFound, "Course not found")
					return
				}
				writeText(w, http.StatusOK, "Success")
			})
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// onecLegacyRun stores the job, waits for it and answers with done, or
// 500 with the failure, or 202 when it is still running.
func (s *server) onecLegacyRun(w http.ResponseWriter, r *http.Request, job onecJob, input any, done func(json.RawMessage)) {
	id, ok := s.onecPublish(w, r, job, input, "")
	if !ok {
		return
	}
	st, finished := s.onecAwait(r.Context(), id)
	switch {
	case !finished:
		s.writeAccepted(w, id)
	case st.Status != "completed":
		writeText(w, http.StatusInternalServerError, "Error: "+st.Error)
	default:
		done(st.Result)
	}
}
