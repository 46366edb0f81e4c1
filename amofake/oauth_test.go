package amofake

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func tokenReply(t *testing.T, r reply) Token {
	t.Helper()
	var tok Token
	if err := json.Unmarshal(r.body, &tok); err != nil {
		t.Fatalf("token answer: %v\n%s", err, r.body)
	}
	if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.ServerTime == 0 {
		t.Fatalf("token answer incomplete: %s", r.body)
	}
	return tok
}

func TestOAuthRotation(t *testing.T) {
	e := newEnv(t, nil)
	const tokenURL = "/retail/oauth2/access_token"

	first := tokenReply(t, e.must(200, e.doToken("POST", tokenURL, "", map[string]string{
		"client_id": "id", "client_secret": "secret", "grant_type": "authorization_code",
		"code": "any-code", "redirect_uri": "https://example.com/cb",
	})))
	if first.ExpiresIn != 86400 {
		t.Errorf("expires_in = %d, want 86400", first.ExpiresIn)
	}
	e.must(204, e.doToken("GET", "/retail/api/v4/leads", first.AccessToken, nil))

	// A refresh, sent form-urlencoded as some clients do, returns a new pair.
	form := url.Values{"client_id": {"id"}, "client_secret": {"secret"}, "grant_type": {"refresh_token"},
		"refresh_token": {first.RefreshToken}, "redirect_uri": {"https://example.com/cb"}}.Encode()
	second := tokenReply(t, e.must(200, e.doToken("POST", tokenURL, "", form)))
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not rotate the pair")
	}

	// The used refresh token is revoked: reusing it gets the exact body of docs/architecture.md#oauth-answers.
	reuse := e.must(401, e.doToken("POST", tokenURL, "", map[string]string{
		"client_id": "id", "client_secret": "secret", "grant_type": "refresh_token", "refresh_token": first.RefreshToken,
	}))
	const want = `{"hint":"Token has been revoked","title":"Некорректный запрос","type":"https://developers.amocrm.ru/v3/errors/OAuthProblemJson","status":401,"detail":"В запросе отсутствует ряд параметров или параметры невалидны"}`
	if string(reuse.body) != want {
		t.Errorf("reuse body:\n%s\nwant:\n%s", reuse.body, want)
	}

	// The new refresh token works once.
	refresh := map[string]string{"client_id": "id", "client_secret": "secret", "grant_type": "refresh_token",
		"refresh_token": second.RefreshToken}
	e.must(200, e.doToken("POST", tokenURL, "", refresh))
	e.must(401, e.doToken("POST", tokenURL, "", refresh))

	// Both access tokens keep working until they expire.
	e.must(204, e.doToken("GET", "/retail/api/v4/leads", first.AccessToken, nil))
	e.must(204, e.doToken("GET", "/retail/api/v4/leads", second.AccessToken, nil))

	if n := e.fake.CallCount(sub, "POST /oauth2/access_token"); n != 5 {
		t.Errorf("CallCount(token) = %d, want 5", n)
	}
}

func TestOAuthRejects(t *testing.T) {
	e := newEnv(t, nil)
	const tokenURL = "/retail/oauth2/access_token"
	cases := []struct {
		name   string
		body   map[string]string
		status int
	}{
		{"wrong secret", map[string]string{"client_id": "id", "client_secret": "nope", "grant_type": "authorization_code", "code": "c"}, 401},
		{"other account's client", map[string]string{"client_id": "id2", "client_secret": "secret2", "grant_type": "authorization_code", "code": "c"}, 401},
		{"empty code", map[string]string{"client_id": "id", "client_secret": "secret", "grant_type": "authorization_code"}, 400},
		{"unknown refresh token", map[string]string{"client_id": "id", "client_secret": "secret", "grant_type": "refresh_token", "refresh_token": "x"}, 401},
		{"unknown grant", map[string]string{"client_id": "id", "client_secret": "secret", "grant_type": "password"}, 400},
	}
	for _, c := range cases {
		r := e.doToken("POST", tokenURL, "", c.body)
		if r.status != c.status || !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: %d %s, want %d problem+json", c.name, r.status, r.header.Get("Content-Type"), c.status)
		}
	}

	// RevokeRefreshTokens locks the integration out until a new code.
	tok := e.fake.IssueToken(sub, 0)
	e.fake.RevokeRefreshTokens(sub)
	r := e.doToken("POST", tokenURL, "", map[string]string{"client_id": "id", "client_secret": "secret",
		"grant_type": "refresh_token", "refresh_token": tok.RefreshToken})
	if r.status != 401 || !strings.Contains(string(r.body), "Token has been revoked") {
		t.Errorf("revoked refresh: %d %s", r.status, r.body)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AccessTTL = time.Minute })
	const want = `{"title":"Unauthorized","type":"https://httpstatus.es/401","status":401,"detail":"Неверный логин или пароль"}`
	tok := e.fake.IssueToken(sub, 0)
	e.must(204, e.doToken("GET", "/retail/api/v4/contacts", tok.AccessToken, nil))

	e.clock.Add(time.Minute)
	r := e.must(401, e.doToken("GET", "/retail/api/v4/contacts", tok.AccessToken, nil))
	if string(r.body) != want || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("expired: %s %s", r.header.Get("Content-Type"), r.body)
	}

	// No token, a made-up one and another account's one are all 401.
	e.must(401, e.doToken("GET", "/retail/api/v4/contacts", "", nil))
	e.must(401, e.doToken("GET", "/retail/api/v4/contacts", "made-up", nil))
	corp := e.fake.IssueToken(otherSub, 0)
	e.must(401, e.doToken("GET", "/retail/api/v4/contacts", corp.AccessToken, nil))
	e.must(204, e.doToken("GET", "/corp/api/v4/contacts", corp.AccessToken, nil))

	// ExpireTokens does the same without waiting.
	e.fake.ExpireTokens(otherSub)
	e.must(401, e.doToken("GET", "/corp/api/v4/contacts", corp.AccessToken, nil))
}

func TestTokenLooksLikeAmoJWT(t *testing.T) {
	e := newEnv(t, nil)
	parts := strings.Split(e.token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT: %q", e.token)
	}
	var claims map[string]any
	raw, err := jsonB64(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		t.Fatalf("claims: %v %s", err, raw)
	}
	if claims["account_id"] != float64(28395871) || claims["base_domain"] != "amocrm.ru" || claims["exp"] == nil {
		t.Errorf("claims = %v", claims)
	}
}

// A dropped refresh answer spends the refresh token and issues a pair the
// client never sees: its old access token still works, its refresh token is
// revoked.
func TestDropRefreshAnswer(t *testing.T) {
	e := newEnv(t, nil)
	const tokenURL = "/retail/oauth2/access_token"
	first := tokenReply(t, e.must(200, e.doToken("POST", tokenURL, "", map[string]string{
		"client_id": "id", "client_secret": "secret", "grant_type": "authorization_code", "code": "c",
	})))
	e.fake.SetFaults(sub, Faults{DropRefreshAnswer: 1})
	refresh := map[string]string{"client_id": "id", "client_secret": "secret", "grant_type": "refresh_token",
		"refresh_token": first.RefreshToken}
	raw, _ := json.Marshal(refresh)
	resp, err := e.srv.Client().Post(e.srv.URL+tokenURL, "application/json", strings.NewReader(string(raw)))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped refresh answered %d", resp.StatusCode)
	}
	if left := e.fake.CurrentFaults(sub).DropRefreshAnswer; left != 0 {
		t.Errorf("DropRefreshAnswer left %d, want 0", left)
	}
	e.must(401, e.doToken("POST", tokenURL, "", refresh))
	e.must(204, e.doToken("GET", "/retail/api/v4/leads", first.AccessToken, nil))
	// A failed refresh (revoked) does not count against the fault.
	e.fake.SetFaults(sub, Faults{DropRefreshAnswer: 1})
	e.must(401, e.doToken("POST", tokenURL, "", refresh))
	if left := e.fake.CurrentFaults(sub).DropRefreshAnswer; left != 1 {
		t.Errorf("DropRefreshAnswer left %d after a revoked refresh, want 1", left)
	}
}

// A wrong client secret or redirect_uri gets amoCRM's "invalid client"
// answer, which a client can tell from a revoked refresh token.
func TestBadClientAnswer(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Accounts[0].RedirectURI = "https://example.com/cb" })
	const tokenURL = "/retail/oauth2/access_token"
	const want = `{"title":"Некорректный клиент","type":"https://developers.amocrm.ru/v3/errors/OAuthProblemJson","status":401,"detail":"Авторизация клиента не прошла"}`
	for _, body := range []map[string]string{
		{"client_id": "id", "client_secret": "wrong", "grant_type": "authorization_code", "code": "c", "redirect_uri": "https://example.com/cb"},
		{"client_id": "id", "client_secret": "secret", "grant_type": "authorization_code", "code": "c", "redirect_uri": "https://other.example/cb"},
	} {
		if r := e.must(401, e.doToken("POST", tokenURL, "", body)); string(r.body) != want {
			t.Errorf("body %s, want %s", r.body, want)
		}
	}
	e.must(200, e.doToken("POST", tokenURL, "", map[string]string{"client_id": "id", "client_secret": "secret",
		"grant_type": "authorization_code", "code": "c", "redirect_uri": "https://example.com/cb"}))
}
