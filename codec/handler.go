package codec

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"

	"amoflow/secret"
)

// CookieName carries the codec token for a browser whose UI cannot send a
// header (the UI's codec setting "include cross-origin credentials").
const CookieName = "amoflow_codec"

// HandlerOptions say who may use the codec endpoint.
type HandlerOptions struct {
	// Token is required as "Authorization: Bearer …" or in the
	// amoflow_codec cookie (set by POST /login). Empty means no
	// authentication: only amoflow dev, on loopback, runs so.
	Token string
	// Origins are the Temporal UI origins (scheme://host:port) allowed by
	// CORS. Other browser origins get no CORS headers and a 403.
	Origins []string
}

// Handler serves POST /encode and /decode (the Temporal UI's codec server
// protocol, under any prefix) and POST /login, which stores the token in a
// cookie for browsers. It is mounted by amoflow codec-server and by the
// admin listener.
func Handler(c *Codec, opts HandlerOptions) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			if !slices.Contains(opts.Origins, origin) {
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			h := w.Header()
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/login") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
			io.WriteString(w, loginPage)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/login") {
			login(w, r, opts.Token)
			return
		}
		if opts.Token != "" && !secret.Equal(presented(r), opts.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="amoflow codec"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
		inner.ServeHTTP(w, r)
	})
}

// loginPage lets an operator store the token in the browser once.
const loginPage = `<!doctype html><meta charset="utf-8"><title>amoflow codec</title>
<form method="post" action="login"><p>Codec token, to see decrypted payloads in the Temporal UI:</p>
<input type="password" name="token" autofocus> <button>Log in</button></form>`

// presented is the token of the request: the bearer token, else the cookie.
func presented(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	if ck, err := r.Cookie(CookieName); err == nil {
		return ck.Value
	}
	return ""
}

// login checks the form field token and keeps it in an HttpOnly cookie, so
// the UI's requests (with credentials included) carry it. The UI and the
// codec server are one site (same host, or subdomains of one domain), so a
// SameSite=Strict cookie goes along.
func login(w http.ResponseWriter, r *http.Request, token string) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if token == "" || !secret.Equal(r.PostFormValue("token"), token) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
		Expires: time.Now().Add(12 * time.Hour),
	})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Logged in for 12 hours: reload the Temporal UI.\n")
}
