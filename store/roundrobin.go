package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// NextInTurn returns the member of pool whose turn it is and records it for
// key, in one transaction: the pool's counter is advanced with UPDATE …
// RETURNING, which locks its row, so any number of processes share one fair
// rotation. A key asked again gets what it got the first time and takes no
// turn (a retried activity, a repeated webhook).
func (db *DB) NextInTurn(ctx context.Context, pool, key string, members []int64) (int64, error) {
	if len(members) == 0 {
		return 0, fmt.Errorf("store: round robin %q: the pool is empty", pool)
	}
	var picked int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO round_robin (pool) VALUES ($1) ON CONFLICT (pool) DO NOTHING`, pool); err != nil {
			return err
		}
		var turns int64
		if err := tx.QueryRow(ctx, `
			UPDATE round_robin SET turns = turns + 1, updated_at = now()
			WHERE pool = $1 RETURNING turns`, pool).Scan(&turns); err != nil {
			return err
		}
		// The row lock is ours now: a concurrent pick for the same key has
		// committed (or will wait for us), so this read is decisive.
		err := tx.QueryRow(ctx, `SELECT user_id FROM round_robin_picks WHERE pool = $1 AND key = $2`, pool, key).Scan(&picked)
		if err == nil {
			return errPicked // roll the turn back
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		picked = members[(turns-1)%int64(len(members))]
		_, err = tx.Exec(ctx, `INSERT INTO round_robin_picks (pool, key, user_id) VALUES ($1, $2, $3)`, pool, key, picked)
		return err
	})
	if err != nil && !errors.Is(err, errPicked) {
		return 0, fmt.Errorf("store: round robin %q: %w", pool, err)
	}
	return picked, nil
}

var errPicked = errors.New("already picked")
