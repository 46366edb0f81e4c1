package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/mq"
	"amoflow/starter"
	"amoflow/store/storetest"
)

// nopPublisher stands in for the broker: the callback publishes nothing.
type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, mq.Message) error { return nil }

// TestOAuthCallback walks an operator's onboarding through starter's
// callback and OAuth: a consent link with a one-time state, amoCRM's redirect
// back with a code, the token pair stored; a used or forged state is 400.
func TestOAuthCallback(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL (the token store)")
	}
	ctx := context.Background()
	fake := amofake.New(amofake.Config{Accounts: []amofake.AccountConfig{{
		Subdomain: "retail", AccountID: 1, ClientID: "cid", ClientSecret: "secret"}}})
	amo := httptest.NewServer(fake)
	defer amo.Close()
	db := storetest.New(t)
	onb := &amocrm.Onboarding{DB: db, Accounts: map[string]amocrm.Account{"retail": {
		Name: "retail", BaseURL: amo.URL + "/retail", ClientID: "cid", ClientSecret: "secret", RedirectURI: "https://x/oauth/callback"}}}

	link, err := onb.Begin(ctx, "retail")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	state := u.Query().Get("state")
	if u.Host != "www.amocrm.ru" || u.Query().Get("client_id") != "cid" || len(state) < 16 {
		t.Fatalf("consent link %s", link)
	}

	h := starter.New(&config.Config{HTTP: config.HTTP{PublicURL: "https://in.example.test", BodyLimit: 64 << 10}},
		starter.Deps{Publisher: nopPublisher{}, OAuth: OAuth{Onboarding: onb}})
	get := func(q string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth/callback?"+q, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("code=abc&state=" + state); code != http.StatusOK || !strings.Contains(body, "retail") {
		t.Fatalf("callback = %d %s", code, body)
	}
	tok, err := db.Token(ctx, "retail")
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("stored token = %+v, %v", tok, err)
	}
	if n := fake.CallCount("retail", "POST /oauth2/access_token"); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	// The state works once; a forged one never.
	for _, q := range []string{"code=abc&state=" + state, "code=abc&state=forged", "state=" + state} {
		if code, _ := get(q); code != http.StatusBadRequest {
			t.Errorf("callback %q = %d, want 400", q, code)
		}
	}
}
