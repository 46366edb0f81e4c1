package amofake

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Token is the token endpoint's answer.
type Token struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ServerTime   int64  `json:"server_time"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// refreshToken is the state of an issued refresh token. amoCRM refresh
// tokens are one-time: using one revokes it.
type refreshToken struct {
	expires time.Time
	revoked bool
}

// amoCRM's 401 bodies, byte for byte: a revoked or reused refresh token, and
// an expired or unknown access token on the API.
const (
	revokedBody      = `{"hint":"Token has been revoked","title":"Некорректный запрос","type":"https://developers.amocrm.ru/v3/errors/OAuthProblemJson","status":401,"detail":"В запросе отсутствует ряд параметров или параметры невалидны"}`
	unauthorizedBody = `{"title":"Unauthorized","type":"https://httpstatus.es/401","status":401,"detail":"Неверный логин или пароль"}`
	// badClientBody is the answer to a client_id, client_secret or
	// redirect_uri that does not match the integration, as client libraries'
	// users report it (no hint; the title says "invalid client"). Whether
	// amoCRM checks redirect_uri on a refresh as well is not documented; the
	// fake does, which is the stricter case for the client.
	badClientBody = `{"title":"Некорректный клиент","type":"https://developers.amocrm.ru/v3/errors/OAuthProblemJson","status":401,"detail":"Авторизация клиента не прошла"}`
)

func badClient() response {
	return response{status: http.StatusUnauthorized, ctype: "application/problem+json", body: []byte(badClientBody)}
}

// unauthorized answers an API call with an expired, unknown or other
// account's access token.
func unauthorized() response {
	return response{status: http.StatusUnauthorized, ctype: "application/problem+json", body: []byte(unauthorizedBody)}
}

func revoked() response {
	return response{status: http.StatusUnauthorized, ctype: "application/problem+json", body: []byte(revokedBody)}
}

// oauthProblem is another error of the token endpoint, in the same shape.
func oauthProblem(status int, hint string) response {
	return response{status: status, ctype: "application/problem+json", body: encode(struct {
		Hint   string `json:"hint"`
		Title  string `json:"title"`
		Type   string `json:"type"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{hint, "Некорректный запрос", "https://developers.amocrm.ru/v3/errors/OAuthProblemJson", status,
		"В запросе отсутствует ряд параметров или параметры невалидны"})}
}

// token serves POST /oauth2/access_token: the authorization_code grant
// accepts any non-empty code; the refresh_token grant rotates the pair.
func (s *Server) token(a *account, q *request) response {
	p, ok := oauthParams(q)
	if !ok {
		return oauthProblem(400, "Invalid request body")
	}
	if (a.cfg.ClientID != "" || a.cfg.ClientSecret != "") &&
		(p["client_id"] != a.cfg.ClientID || p["client_secret"] != a.cfg.ClientSecret) {
		return badClient()
	}
	if a.cfg.RedirectURI != "" && p["redirect_uri"] != a.cfg.RedirectURI {
		return badClient()
	}
	switch p["grant_type"] {
	case "authorization_code":
		if p["code"] == "" {
			return oauthProblem(400, "Check the `code` parameter")
		}
	case "refresh_token":
		rt := a.refresh[p["refresh_token"]]
		if rt == nil || rt.revoked || !q.now.Before(rt.expires) {
			return revoked()
		}
		rt.revoked = true
	default:
		return oauthProblem(400, "The authorization grant type is not supported by the authorization server.")
	}
	t := s.issue(a, q.now, s.cfg.AccessTTL)
	if p["grant_type"] == "refresh_token" && a.faults.DropRefreshAnswer > 0 {
		a.faults.DropRefreshAnswer--
		return response{status: 200, hangUp: true} // issued, never delivered
	}
	return response{status: 200, ctype: "application/json", body: encode(t)}
}

// oauthParams reads the token request, JSON or form-urlencoded, told apart
// by the body itself: some clients send a form labeled as JSON.
func oauthParams(q *request) (map[string]string, bool) {
	body := bytes.TrimSpace(q.body)
	p := map[string]string{}
	if bytes.HasPrefix(body, []byte("{")) {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, false
		}
		for k, v := range m {
			if v != nil {
				p[k] = fmt.Sprint(v)
			}
		}
		return p, true
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, false
	}
	for k := range v {
		p[k] = v.Get(k)
	}
	return p, true
}

// issue makes a new token pair and forgets expired access tokens.
func (s *Server) issue(a *account, now time.Time, ttl time.Duration) Token {
	for tok, exp := range a.access {
		if !now.Before(exp) {
			delete(a.access, tok)
		}
	}
	exp := now.Add(ttl)
	access := a.fakeJWT(now, exp)
	refresh := "def50200" + randomHex(64)
	a.access[access] = exp
	a.refresh[refresh] = &refreshToken{expires: now.Add(s.cfg.RefreshTTL)}
	return Token{TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), ServerTime: now.Unix(),
		AccessToken: access, RefreshToken: refresh}
}

// fakeJWT looks like amoCRM's RS256 access token, with the claims clients
// read (account_id, base_domain, exp); the signature is random bytes.
func (a *account) fakeJWT(now, exp time.Time) string {
	enc := base64.RawURLEncoding
	jti := randomHex(20)
	header := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"RS256","jti":"` + jti + `"}`))
	claims := enc.EncodeToString(encode(map[string]any{
		"aud": a.cfg.ClientID, "jti": jti, "iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
		"sub": fmt.Sprint(a.defaultUser()), "account_id": a.cfg.AccountID, "base_domain": "amocrm.ru",
		"api_domain": "api-b.amocrm.ru", "version": 2, "scopes": []string{"crm", "notifications"},
	}))
	sig := make([]byte, 64)
	rand.Read(sig)
	return header + "." + claims + "." + enc.EncodeToString(sig)
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validAccess reports whether an access token of this account still works.
func (a *account) validAccess(token string, now time.Time) bool {
	exp, ok := a.access[token]
	return ok && now.Before(exp)
}
