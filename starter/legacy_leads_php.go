package starter

import (
	"net/http"

	"github.com/gorilla/mux"
)

// legacyLeadsPHPRoute adds POST /amo/leads.php, the PHP integration's older
// site-form URL (before /amo/index.php queued forms): the fields of
// POST /v1/forms without method=siteform, amo=corp for the corporate
// account. It answered "ok" once the lead was made; it now answers 200
// "ok" once the form is stored (the lead follows within seconds). Errors
// are problem JSON with the /v1/forms statuses. It is part of the
// inbound.legacy.siteforms group.
func (s *server) legacyLeadsPHPRoute(r *mux.Router) {
	form := s.forms(false)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.SiteForms) {
			return
		}
		c := &captured{header: w.Header()}
		form.ServeHTTP(c, r)
		if c.code == http.StatusAccepted {
			w.Header().Del("Location")
			writeText(w, http.StatusOK, "ok")
			return
		}
		w.WriteHeader(c.code)
		w.Write(c.body.Bytes())
	})
	s.handle(r, "/amo/leads.php", s.cors.wrap(s.limitForms(h))).Methods(http.MethodPost, http.MethodOptions)
}
