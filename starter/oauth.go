package starter

import (
	"context"
	"errors"
	"html"
	"net/http"
)

// OAuth completes an operator's authorization of an amoCRM account
// (app.OAuth in production). Its errors wrap ErrOAuthState,
// ErrOAuthCodeRejected or ErrOAuthMisconfigured when they are one of those.
type OAuth interface {
	Complete(ctx context.Context, state, code string) (account string, err error)
}

// The OAuth outcomes the callback answers the operator differently.
var (
	// ErrOAuthState: the state was never issued, already used or expired.
	ErrOAuthState = errors.New("unknown, used or expired OAuth state")
	// ErrOAuthCodeRejected: amoCRM refused the authorization code.
	ErrOAuthCodeRejected = errors.New("amoCRM rejected the authorization code")
	// ErrOAuthMisconfigured: amoCRM refuses this integration's client_id,
	// client_secret or redirect_uri; an operator fixes the configuration.
	ErrOAuthMisconfigured = errors.New("amoCRM rejects the integration's client settings")
)

// oauthCallback is where amoCRM redirects the operator's browser after
// consent: GET /oauth/callback?code=…&state=…&referer=…. The state must be
// one amoflow issued (amoflow auth url); it works once.
func (s *server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, code := q.Get("state"), q.Get("code")
	if s.oauth == nil {
		writeProblem(w, &problem{Type: problemType + "unavailable", Title: "OAuth unavailable", Status: http.StatusServiceUnavailable,
			Detail: "this process cannot store tokens"})
		return
	}
	if state == "" || code == "" {
		writeProblem(w, invalidField("code", "code and state are required"))
		return
	}
	account, err := s.oauth.Complete(r.Context(), state, code)
	switch {
	case errors.Is(err, ErrOAuthState):
		writeProblem(w, invalidField("state", "unknown, used or expired state: start again with `amoflow auth url`"))
		return
	case errors.Is(err, ErrOAuthCodeRejected):
		s.log.Warn("oauth: code rejected", "err", err)
		writeProblem(w, invalidField("code", "amoCRM rejected the code; start again"))
		return
	case errors.Is(err, ErrOAuthMisconfigured):
		s.log.Error("oauth: client rejected", "err", err)
		writeProblem(w, &problem{Type: problemType + "misconfigured", Title: "Integration misconfigured", Status: http.StatusBadGateway,
			Detail: "amoCRM rejects this integration's client_id, client_secret or redirect_uri for account " + account +
				"; fix the configuration, restart and start again"})
		return
	case err != nil:
		s.log.Error("oauth: exchange failed", "err", err)
		writeProblem(w, &problem{Type: problemType + "unavailable", Title: "Exchange failed", Status: http.StatusBadGateway,
			Detail: "the token exchange with amoCRM failed; try again"})
		return
	}
	s.log.Info("oauth: account authorized", "account", account)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte("<!doctype html><p>amoflow: account <b>" + html.EscapeString(account) + "</b> is authorized. You can close this page.</p>\n"))
}
