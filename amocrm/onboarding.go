package amocrm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"amoflow/store"
)

// stateMaxAge is how long an authorization link works; amoCRM's codes live
// about 20 minutes, an operator may need a little longer to click.
const stateMaxAge = time.Hour

// Onboarding authorizes accounts through amoCRM's OAuth consent page: Begin
// gives the operator a link with a one-time state, and the redirect back
// (GET /oauth/callback) calls Complete, which exchanges the code and stores
// the token pair.
type Onboarding struct {
	DB       *store.DB
	Accounts map[string]Account // by config key
	Options  []TokenOption
}

// Begin returns the consent URL for an account.
func (o *Onboarding) Begin(ctx context.Context, account string) (string, error) {
	acct, ok := o.Accounts[account]
	if !ok {
		return "", fmt.Errorf("amocrm: unknown account %q", account)
	}
	if acct.ClientID == "" {
		return "", fmt.Errorf("amocrm: account %s has no client_id", account)
	}
	b := make([]byte, 16)
	rand.Read(b)
	state := hex.EncodeToString(b)
	if err := o.DB.PutOAuthState(ctx, state, account); err != nil {
		return "", err
	}
	q := url.Values{"client_id": {acct.ClientID}, "state": {state}, "mode": {"post_message"}}
	return ConsentHost(acct.BaseURL) + "/oauth?" + q.Encode(), nil
}

// ConsentHost is where the consent page of an account's integration lives:
// amoCRM and Kommo keep it on their own sites, picked by the account's
// domain (x.amocrm.ru, x.amocrm.com, x.kommo.com). Other hosts (a test
// fake) get amoCRM's.
func ConsentHost(baseURL string) string {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	switch {
	case host == "kommo.com" || strings.HasSuffix(host, ".kommo.com"):
		return "https://www.kommo.com"
	case host == "amocrm.com" || strings.HasSuffix(host, ".amocrm.com"):
		return "https://www.amocrm.com"
	}
	return "https://www.amocrm.ru"
}

// Complete exchanges the code of a callback whose state Begin issued and
// returns the account it authorized.
func (o *Onboarding) Complete(ctx context.Context, state, code string) (string, error) {
	account, err := o.DB.TakeOAuthState(ctx, state, stateMaxAge)
	if err != nil {
		return "", err
	}
	acct, ok := o.Accounts[account]
	if !ok {
		return "", fmt.Errorf("amocrm: account %q is no longer configured", account)
	}
	if err := ExchangeCode(ctx, o.DB, acct, code, o.Options...); err != nil {
		return "", err
	}
	return account, nil
}
