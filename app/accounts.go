package app

import (
	"context"

	"amoflow/amocrm"
	"amoflow/config"
	"amoflow/store"
)

// AccountStatuses is the state of every configured account (token expiry,
// last refresh, needs-reauth and why, circuit breaker), for `amoflow auth
// status` and the admin listener's JSON.
func AccountStatuses(ctx context.Context, cfg *config.Config, db *store.DB) ([]amocrm.AccountStatus, error) {
	topts, err := TokenOptions(cfg)
	if err != nil {
		return nil, err
	}
	var accts []amocrm.Account
	for _, name := range cfg.AccountNames() {
		accts = append(accts, amocrm.AccountFromConfig(cfg.Accounts[name]))
	}
	return amocrm.AccountStatuses(ctx, db, accts, topts...)
}
