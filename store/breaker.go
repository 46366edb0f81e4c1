package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Breaker is an open account-wide circuit breaker (amo_breakers): amoCRM
// answers the account with 403 and its requests wait until BlockedUntil.
// Times are Postgres's, so every process agrees on them.
type Breaker struct {
	Account      string
	BlockedUntil time.Time
	Since        time.Time
	Trips        int
	// Wait is how long is left until BlockedUntil, as Postgres sees it
	// (zero once it has passed).
	Wait time.Duration
}

const breakerColumns = `account, blocked_until, since, trips, greatest(extract(epoch FROM blocked_until - now()), 0)`

func scanBreaker(row pgx.Row) (Breaker, error) {
	var b Breaker
	var wait float64
	err := row.Scan(&b.Account, &b.BlockedUntil, &b.Since, &b.Trips, &wait)
	b.Wait = time.Duration(wait * float64(time.Second))
	return b, err
}

// Breaker reads an account's breaker; ok is false when it is closed.
func (db *DB) Breaker(ctx context.Context, account string) (b Breaker, ok bool, err error) {
	b, err = scanBreaker(db.Pool.QueryRow(ctx, `SELECT `+breakerColumns+` FROM amo_breakers WHERE account = $1`, account))
	if errors.Is(err, pgx.ErrNoRows) {
		return Breaker{}, false, nil
	}
	if err != nil {
		return Breaker{}, false, fmt.Errorf("store: read breaker %q: %w", account, err)
	}
	return b, true, nil
}

// Breakers reads every open breaker.
func (db *DB) Breakers(ctx context.Context) ([]Breaker, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+breakerColumns+` FROM amo_breakers ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("store: read breakers: %w", err)
	}
	defer rows.Close()
	var out []Breaker
	for rows.Next() {
		b, err := scanBreaker(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read breakers: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// TripBreaker opens the account's breaker, or keeps it open, for at least
// cooldown from now.
func (db *DB) TripBreaker(ctx context.Context, account string, cooldown time.Duration) (Breaker, error) {
	b, err := scanBreaker(db.Pool.QueryRow(ctx, `
		INSERT INTO amo_breakers AS b (account, blocked_until) VALUES ($1, now() + $2::interval)
		ON CONFLICT (account) DO UPDATE SET
			blocked_until = greatest(b.blocked_until, EXCLUDED.blocked_until), trips = b.trips + 1
		RETURNING `+breakerColumns, account, cooldown))
	if err != nil {
		return Breaker{}, fmt.Errorf("store: trip breaker %q: %w", account, err)
	}
	return b, nil
}

// ClaimProbe moves an open breaker whose cool-down has passed forward by
// another cooldown. ok is true for the one caller, across every process,
// that did so: it may send one request to see whether amoCRM answers again.
// A closed breaker gives ok false and a zero Breaker.
func (db *DB) ClaimProbe(ctx context.Context, account string, cooldown time.Duration) (b Breaker, ok bool, err error) {
	b, err = scanBreaker(db.Pool.QueryRow(ctx, `
		UPDATE amo_breakers SET blocked_until = now() + $2::interval
		WHERE account = $1 AND blocked_until <= now()
		RETURNING `+breakerColumns, account, cooldown))
	if errors.Is(err, pgx.ErrNoRows) {
		return Breaker{}, false, nil
	}
	if err != nil {
		return Breaker{}, false, fmt.Errorf("store: claim probe %q: %w", account, err)
	}
	return b, true, nil
}

// CloseBreaker closes the account's breaker; closed is false when it was not open.
func (db *DB) CloseBreaker(ctx context.Context, account string) (closed bool, err error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM amo_breakers WHERE account = $1`, account)
	if err != nil {
		return false, fmt.Errorf("store: close breaker %q: %w", account, err)
	}
	return tag.RowsAffected() > 0, nil
}
