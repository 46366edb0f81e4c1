package amocrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// tokenOp names the token endpoint in errors.
const tokenOp = "POST /oauth2/access_token"

// issued is a pair the token endpoint handed out.
type issued struct {
	access, refresh string
	expiresAt       time.Time
}

// rejectedGrant is a 400 or 401 from the token endpoint: the refresh token
// or code is revoked, used, expired or not ours. It is never retried.
type rejectedGrant struct {
	status int
	hint   string // amoCRM's "hint", e.g. "Token has been revoked"
	title  string
	detail string
}

// badClient tells amoCRM refusing the integration (client_id, client_secret
// or redirect_uri wrong: 401 titled "Некорректный клиент", "Авторизация
// клиента не прошла", or a hint naming one of those parameters) from
// refusing the grant (revoked, used or expired refresh token or code).
func (r *rejectedGrant) badClient() bool {
	t := strings.ToLower(r.title + " | " + r.detail + " | " + r.hint)
	for _, s := range []string{"некорректный клиент", "авторизация клиента", "client authentication",
		"invalid_client", "client_id", "client_secret", "redirect_uri"} {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

func (r *rejectedGrant) Error() string { return r.reason() }

func (r *rejectedGrant) reason() string {
	if strings.Contains(strings.ToLower(r.hint), "revoked") {
		return "refresh token revoked"
	}
	s := fmt.Sprintf("token endpoint answered %d", r.status)
	for _, p := range []string{r.title, r.hint, r.detail} {
		if p != "" {
			s += ": " + p
		}
	}
	return s
}

// requestToken posts a grant to {base_url}/oauth2/access_token. grant holds
// grant_type and either code or refresh_token.
func requestToken(ctx context.Context, hc *http.Client, acct Account, grant map[string]string) (issued, error) {
	body := map[string]string{
		"client_id":     acct.ClientID,
		"client_secret": acct.ClientSecret,
		"redirect_uri":  acct.RedirectURI,
	}
	for k, v := range grant {
		body[k] = v
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return issued{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, acct.BaseURL+"/oauth2/access_token", bytes.NewReader(raw))
	if err != nil {
		return issued{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return issued{}, transportError(tokenOp, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return issued{}, transportError(tokenOp, err)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		var p struct{ Hint, Detail, Title string }
		_ = json.Unmarshal(answer, &p) // an answer that is not JSON leaves the hint empty
		return issued{}, &rejectedGrant{status: resp.StatusCode, hint: p.Hint, title: p.Title, detail: p.Detail}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return issued{}, statusError(tokenOp, resp.StatusCode, answer)
	}
	var t struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(answer, &t); err != nil || t.AccessToken == "" || t.ExpiresIn <= 0 {
		// Never echo this body: it may hold a token.
		return issued{}, &Error{Op: tokenOp, Status: resp.StatusCode, Err: fmt.Errorf("answer is not a token pair")}
	}
	// Count the lifetime from when we asked, so clock skew shortens it, never lengthens.
	return issued{t.AccessToken, t.RefreshToken, start.Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
}
