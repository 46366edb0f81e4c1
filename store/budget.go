package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReserveRequest reserves account's next request slot in amo_budget: the
// slot is greatest(next_at, now) and next_at moves interval later. It returns
// the slot's time by Postgres's clock_timestamp(), which every process
// shares. A slot more than horizon away is not reserved: ok is false and at
// is when one within horizon may be free. One statement, one row lock.
func (db *DB) ReserveRequest(ctx context.Context, account string, interval, horizon time.Duration) (at time.Time, ok bool, err error) {
	err = db.Pool.QueryRow(ctx, `
		INSERT INTO amo_budget AS b (account, next_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
		ON CONFLICT (account) DO UPDATE
			SET next_at = greatest(b.next_at, clock_timestamp()) + $2 * interval '1 microsecond'
			WHERE b.next_at <= clock_timestamp() + $3 * interval '1 microsecond'
		RETURNING next_at - $2 * interval '1 microsecond'`,
		account, interval.Microseconds(), horizon.Microseconds()).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		// Beyond the horizon: when next_at comes within it.
		err = db.Pool.QueryRow(ctx, `SELECT next_at - $2 * interval '1 microsecond' FROM amo_budget WHERE account = $1`,
			account, horizon.Microseconds()).Scan(&at)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("store: amoCRM budget of %q: %w", account, err)
		}
		return at, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: amoCRM budget of %q: %w", account, err)
	}
	return at, true, nil
}

// DelayRequests moves account's next request slot to at least d from now
// (after amoCRM answered 429). Best effort: an error leaves the budget as it
// was.
func (db *DB) DelayRequests(ctx context.Context, account string, d time.Duration) error {
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO amo_budget AS b (account, next_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
		ON CONFLICT (account) DO UPDATE SET next_at = greatest(b.next_at, EXCLUDED.next_at)`,
		account, d.Microseconds())
	if err != nil {
		return fmt.Errorf("store: delay amoCRM budget of %q: %w", account, err)
	}
	return nil
}
