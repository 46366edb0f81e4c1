package starter

import (
	"net/http"

	"amoflow/mq"
	"amoflow/workflows"
)

// legacyNightly is GET /wh/nightly (and /webhook/nightly), the old manual
// trigger of the ucheba.ru import: it stores an import of yesterday (in
// ucheba.schedule.time_zone) as a job, ucheba-import-{day}, and answers 200
// with an empty body as before. The same day triggered again while its
// import runs or after it completed starts nothing (the bridge's id
// policy); the requests themselves are never imported twice
// (docs/flows.md#uchebaimport). With the import off: 503, nothing stored.
func (s *server) legacyNightly(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	u := s.cfg.Ucheba
	if !u.Enabled {
		s.reject(w, r, &problem{Type: problemType + "not-enabled", Title: "ucheba.ru import is off", Status: http.StatusServiceUnavailable,
			Detail: "the ucheba.ru import is not enabled on this installation (ucheba.enabled); nothing was stored"})
		return
	}
	now := s.now().UTC()
	day, err := workflows.UchebaDay("", now, u.Schedule.TimeZone)
	if err != nil { // the zone is checked at start; not stored, said so
		s.reject(w, r, &problem{Type: problemType + "not-enabled", Title: "ucheba.ru import is misconfigured", Status: http.StatusServiceUnavailable,
			Detail: "ucheba.schedule.time_zone does not load; nothing was stored"})
		return
	}
	id := workflows.UchebaImportJobID(day)
	body, err := workflows.NewOneCJob(workflows.UchebaImportName, workflows.UchebaImportInput{Day: day})
	if err != nil {
		panic(err) // a registered flow and a plain input always encode
	}
	msg := mq.Message{ID: id, Kind: mq.Kind1C, Account: u.Account, ReceivedAt: now, Body: body}
	if err := s.publish(r.Context(), msg); err != nil {
		s.log.Error("ucheba.ru import not stored", "job_id", id, "err", err)
		writeProblem(w, notStored())
		return
	}
	s.log.Info("ucheba.ru import stored", "job_id", id, "path", r.URL.Path)
	w.WriteHeader(http.StatusOK)
}
