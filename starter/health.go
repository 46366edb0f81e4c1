package starter

import "net/http"

// healthz says the process serves HTTP; it checks nothing else, so that a
// broker outage does not get the process restarted.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}
