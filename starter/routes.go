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
	// Both are also served ahead of the router (exactRoutes).
	for _, f := range []struct {
		path   string
		legacy bool
	}{{"/v1/forms", false}, {"/amo/index.php", true}} {
		route := s.handle(r, f.path, s.cors.wrap(s.limitForms(s.forms(f.legacy)))).Methods(http.MethodPost, http.MethodOptions)
		s.exact[f.path] = route.GetHandler()
	}

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

// exactRoutes serves the form routes' POSTs and preflights before
// gorilla/mux sees them: route matching and its two Request.WithContext
// copies were a measurable share of a form's CPU at the ingest peak
// (BENCHMARKS.md, ingest). The handlers are the ones the router holds, so
// metrics, limits and answers are the same; every other path, method or an
// unclean path (which the router redirects) goes to the router.
type exactRoutes struct {
	paths  map[string]http.Handler
	router http.Handler
}

func (e exactRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost || r.Method == http.MethodOptions {
		if h := e.paths[r.URL.Path]; h != nil {
			h.ServeHTTP(w, r)
			return
		}
	}
	e.router.ServeHTTP(w, r)
}

func (s *server) handle(r *mux.Router, path string, h http.Handler) *mux.Route {
	return r.Handle(path, s.metrics.instrument(path, s.limitBody(h)))
}
