package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReserveRequest reserves account's next request slot in amo_budget: the
// slot is greatest(next_at, now) and next_at moves interval later. A slot
// more than horizon away is not reserved: ok is false and wait says how long
// until one within horizon may be free. Otherwise wait is how long until the
// reserved slot (zero: now). Times are Postgres's clock_timestamp(), so every
// process agrees on them; one statement, one row lock per request.
func (db *DB) ReserveRequest(ctx context.Context, account string, interval, horizon time.Duration) (wait time.Duration, ok bool, err error) {
	var secs float64
	err = db.Pool.QueryRow(ctx, `
		INSERT INTO amo_budget AS b (account, next_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
		ON CONFLICT (account) DO UPDATE
			SET next_at = greatest(b.next_at, clock_timestamp()) + $2 * interval '1 microsecond'
			WHERE b.next_at <= clock_timestamp() + $3 * interval '1 microsecond'
		RETURNING extract(epoch FROM next_at - $2 * interval '1 microsecond' - clock_timestamp())::float8`,
		account, interval.Microseconds(), horizon.Microseconds()).Scan(&secs)
	if errors.Is(err, pgx.ErrNoRows) {
		// Beyond the horizon: how long until next_at is within it.
		err = db.Pool.QueryRow(ctx, `
			SELECT extract(epoch FROM next_at - clock_timestamp())::float8 FROM amo_budget WHERE account = $1`,
			account).Scan(&secs)
		if err != nil {
			return 0, false, fmt.Errorf("store: amoCRM budget of %q: %w", account, err)
		}
		return max(0, seconds(secs)-horizon), false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: amoCRM budget of %q: %w", account, err)
	}
	return max(0, seconds(secs)), true, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

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
