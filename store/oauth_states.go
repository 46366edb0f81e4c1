package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrUnknownState reports an OAuth state that was never issued, was already
// used, or is too old.
var ErrUnknownState = errors.New("store: unknown or expired OAuth state")

// PutOAuthState remembers that an operator started authorizing account with state.
func (db *DB) PutOAuthState(ctx context.Context, state, account string) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO oauth_states (state, account) VALUES ($1, $2)`, state, account)
	if err != nil {
		return fmt.Errorf("store: oauth state: %w", err)
	}
	return nil
}

// TakeOAuthState consumes a state issued less than maxAge ago and returns its
// account. A state works once: a replayed callback finds nothing.
func (db *DB) TakeOAuthState(ctx context.Context, state string, maxAge time.Duration) (string, error) {
	var account string
	err := db.Pool.QueryRow(ctx, `
		DELETE FROM oauth_states WHERE state = $1 AND created_at > now() - make_interval(secs => $2)
		RETURNING account`, state, maxAge.Seconds()).Scan(&account)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrUnknownState
	}
	if err != nil {
		return "", fmt.Errorf("store: oauth state: %w", err)
	}
	return account, nil
}
