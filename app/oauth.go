package app

import (
	"context"
	"errors"
	"fmt"

	"amoflow/amocrm"
	"amoflow/starter"
	"amoflow/store"
)

// OAuth completes GET /oauth/callback with the amoCRM onboarding, telling
// starter which of its outcomes an error is (starter knows neither the token
// store nor the amoCRM client).
type OAuth struct {
	Onboarding *amocrm.Onboarding
}

// Complete implements starter.OAuth.
func (o OAuth) Complete(ctx context.Context, state, code string) (string, error) {
	account, err := o.Onboarding.Complete(ctx, state, code)
	switch {
	case err == nil:
		return account, nil
	case errors.Is(err, store.ErrUnknownState):
		return account, fmt.Errorf("%w: %w", starter.ErrOAuthState, err)
	case errors.Is(err, amocrm.ErrReauthRequired):
		return account, fmt.Errorf("%w: %w", starter.ErrOAuthCodeRejected, err)
	case errors.As(err, new(*amocrm.ConfigError)):
		return account, fmt.Errorf("%w: %w", starter.ErrOAuthMisconfigured, err)
	}
	return account, err
}
