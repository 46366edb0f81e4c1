package starter

import (
	"net/http"
	"strings"
)

// cors lets the configured site origins post forms from a browser. Forms need
// no cookies, so credentials are never allowed (docs/flows.md#form-endpoints).
// CORS is enforced by browsers: a request from another origin is still
// served, the browser just hides the answer from the page.
type cors struct {
	any     bool // "*" configured
	origins map[string]bool
	methods string // allowed in preflight; "" is POST
}

func newCORS(origins []string) cors {
	c := cors{origins: map[string]bool{}}
	for _, o := range origins {
		o = canonicalOrigin(o)
		if o == "*" {
			c.any = true
		}
		c.origins[o] = true
	}
	return c
}

func canonicalOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

func (c cors) allows(origin string) bool {
	return origin != "" && (c.any || c.origins[canonicalOrigin(origin)])
}

// wrap answers preflight requests itself and adds the CORS headers to h's answers.
func (c cors) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		hdr := w.Header()
		if hdr["Vary"] == nil {
			hdr["Vary"] = varyOrigin
		} else {
			hdr.Add("Vary", "Origin")
		}
		allowed := c.allows(origin)
		if allowed {
			hdr.Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method != http.MethodOptions {
			if allowed {
				hdr.Set("Access-Control-Expose-Headers", "Location")
			}
			h.ServeHTTP(w, r)
			return
		}
		if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
			hdr.Add("Vary", "Access-Control-Request-Method")
			hdr.Add("Vary", "Access-Control-Request-Headers")
			hdr.Set("Access-Control-Allow-Methods", c.allowMethods())
			hdr.Set("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key")
			hdr.Set("Access-Control-Max-Age", "600")
		}
		hdr.Set("Allow", c.allowMethods()+", OPTIONS")
		w.WriteHeader(http.StatusNoContent)
	})
}

// varyOrigin is shared by every answer of a CORS route, as jsonContentType
// is: net/http only reads it, and a later Header.Add appends to a copy
// (its capacity is its length).
var varyOrigin = []string{"Origin"}

func (c cors) allowMethods() string {
	if c.methods == "" {
		return "POST"
	}
	return c.methods
}
