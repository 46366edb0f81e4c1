package amocrm

import (
	"context"
	"fmt"

	"amoflow/store"
)

// Rekey re-seals every stored token pair with the ring's newest key, so the
// older keys can then be removed from the config. Each row is rewritten under
// its row lock (a concurrent refresh waits), and only when some part of it
// is not sealed with the newest key yet. It returns the accounts rewritten.
func Rekey(ctx context.Context, db *store.DB, key *TokenKey) ([]string, error) {
	if key == nil {
		return nil, fmt.Errorf("rekey: no token key is configured")
	}
	accounts, err := db.TokenAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, account := range accounts {
		changed := false
		err := db.LockToken(ctx, account, func(tx *store.TokenTx) error {
			t := tx.Token
			if current(t.AccessToken, key) && current(t.RefreshToken, key) {
				return nil
			}
			access, err := key.open(account, "access_token", t.AccessToken)
			if err != nil {
				return err
			}
			refresh, err := key.open(account, "refresh_token", t.RefreshToken)
			if err != nil {
				return err
			}
			changed = true
			return tx.Reseal(ctx, key.seal(account, "access_token", access), key.seal(account, "refresh_token", refresh))
		})
		if err != nil {
			return done, fmt.Errorf("rekey %s: %w", account, err)
		}
		if changed {
			done = append(done, account)
		}
	}
	return done, nil
}

// current is true when v needs no rewrite: empty, or sealed with the newest key.
func current(v string, key *TokenKey) bool {
	return v == "" || sealedWith(v) == key.ActiveID()
}
