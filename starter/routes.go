package starter

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes is the whole HTTP surface (docs/architecture.md#http-surface). Every route is counted
// under its path template and has its body capped (see handle).
func (s *server) routes(r *mux.Router) {
	// Site forms (docs/flows.md#site-form), from browsers too: CORS applies.
	// Public: rate limited per client (inbound.form_rate).
	s.handle(r, "/v1/forms", s.cors.wrap(s.limitForms(s.forms(false)))).Methods(http.MethodPost, http.MethodOptions)
	s.handle(r, "/amo/index.php", s.cors.wrap(s.limitForms(s.forms(true)))).Methods(http.MethodPost, http.MethodOptions)

	// amoCRM webhooks (docs/flows.md#amocrm-webhooks); the legacy route is off unless configured.
	s.handle(r, "/v1/amo/webhooks/{method}", s.webhooks(false)).Methods(http.MethodPost)
	s.handle(r, "/amo/webhooks/", s.webhooks(true)).Methods(http.MethodPost)
	// 1C (docs/flows.md#from-1c-to-amocrm, docs/flows.md#from-1c-to-amocrm):
	//   POST /v1/1c/…  and the legacy POST /amo/api?update_course|delete_course|delete_doubles
	s.onecRoutes(r)
	// The old systems' URLs, each group off unless inbound.legacy enables it (legacy*.go).
	s.legacyPHPRoutes(r)
	s.legacyCSharpRoutes(r)
	s.legacyWidgetRoutes(r)
	s.legacyAPIRoutes(r)
	// Jobs: the status_url of every 202 points here.
	s.handle(r, "/v1/jobs/{id}", http.HandlerFunc(s.jobs)).Methods(http.MethodGet)
	s.handle(r, "/v1/jobs/{id}/{cap}", http.HandlerFunc(s.jobs)).Methods(http.MethodGet)
	// OAuth onboarding: amoCRM redirects the operator here after consent.
	s.handle(r, "/oauth/callback", http.HandlerFunc(s.oauthCallback)).Methods(http.MethodGet)

	// Operations: liveness only; /metrics and /readyz are on the admin listener (package admin).
	s.handle(r, "/healthz", http.HandlerFunc(s.healthz)).Methods(http.MethodGet, http.MethodHead)

	r.NotFoundHandler = s.metrics.instrument("unmatched", http.HandlerFunc(notFound))
	r.MethodNotAllowedHandler = s.metrics.instrument("unmatched", http.HandlerFunc(methodNotAllowed))
}

func (s *server) handle(r *mux.Router, path string, h http.Handler) *mux.Route {
	return r.Handle(path, s.metrics.instrument(path, s.limitBody(h)))
}
