package amocrm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
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
	return "https://www.amocrm.ru/oauth?" + q.Encode(), nil
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
