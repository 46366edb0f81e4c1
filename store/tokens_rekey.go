package store

import (
	"context"
	"fmt"
)

// TokenAccounts lists the accounts that have a token row.
func (db *DB) TokenAccounts(ctx context.Context) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT account FROM amo_tokens ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Reseal rewrites the stored form of the same pair (re-encrypted under
// another key): version, expiry and the re-authorization mark stay, since
// the tokens themselves did not change.
func (t *TokenTx) Reseal(ctx context.Context, access, refresh string) error {
	_, err := t.tx.Exec(ctx, `
		UPDATE amo_tokens SET access_token = $2, refresh_token = $3, updated_at = now()
		WHERE account = $1`, t.Token.Account, access, refresh)
	if err != nil {
		return fmt.Errorf("store: reseal token %q: %w", t.Token.Account, err)
	}
	t.Token.AccessToken, t.Token.RefreshToken = access, refresh
	return nil
}
