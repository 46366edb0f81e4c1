package store

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// idempotencySweepEvery is how many bindings are made between two deletes
// of the expired ones.
const idempotencySweepEvery = 1000

var idempotencyBinds atomic.Int64

// BindIdempotencyKey binds jobID (named by a client's Idempotency-Key) to
// the digest of the request's body, the first time; later it reports
// whether digest is the bound one. A binding older than ttl is replaced, as
// if new. One statement: concurrent first uses agree on one winner.
func (db *DB) BindIdempotencyKey(ctx context.Context, jobID string, digest []byte, ttl time.Duration) (same bool, err error) {
	var bound []byte
	err = db.Pool.QueryRow(ctx, `
		INSERT INTO idempotency_keys AS k (job_id, digest) VALUES ($1, $2)
		ON CONFLICT (job_id) DO UPDATE SET
			digest     = CASE WHEN k.created_at < now() - $3::interval THEN EXCLUDED.digest ELSE k.digest END,
			created_at = CASE WHEN k.created_at < now() - $3::interval THEN now() ELSE k.created_at END
		RETURNING digest`, jobID, digest, ttl).Scan(&bound)
	if err != nil {
		return false, fmt.Errorf("store: idempotency key: %w", err)
	}
	if idempotencyBinds.Add(1)%idempotencySweepEvery == 0 {
		// Expired bindings of keys never used again; best effort.
		_, _ = db.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval`, ttl)
	}
	return bytes.Equal(bound, digest), nil
}
