package starter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeOAuth completes with account, or fails with err.
type fakeOAuth struct {
	account string
	err     error
}

func (f fakeOAuth) Complete(ctx context.Context, state, code string) (string, error) {
	return f.account, f.err
}

// TestOAuthCallbackAnswers maps each OAuth outcome to the operator's answer
// (the whole onboarding against amoCRM's fake is app's TestOAuthCallback).
func TestOAuthCallbackAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		oauth OAuth
		query string
		code  int
		body  string
	}{
		{"authorized", fakeOAuth{account: "retail"}, "code=c&state=s", http.StatusOK, "retail"},
		{"no code", fakeOAuth{account: "retail"}, "state=s", http.StatusBadRequest, "code and state"},
		{"used state", fakeOAuth{err: fmt.Errorf("%w: taken", ErrOAuthState)}, "code=c&state=s", http.StatusBadRequest, "amoflow auth url"},
		{"code rejected", fakeOAuth{err: ErrOAuthCodeRejected}, "code=c&state=s", http.StatusBadRequest, "rejected the code"},
		{"misconfigured", fakeOAuth{account: "corp", err: ErrOAuthMisconfigured}, "code=c&state=s", http.StatusBadGateway, "account corp"},
		{"other", fakeOAuth{err: fmt.Errorf("network down")}, "code=c&state=s", http.StatusBadGateway, "exchange"},
		{"no OAuth", nil, "code=c&state=s", http.StatusServiceUnavailable, "cannot store tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(testConfig(), Deps{Publisher: &fakePublisher{}, OAuth: tc.oauth})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth/callback?"+tc.query, nil))
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("callback = %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.code, tc.body)
			}
		})
	}
}
