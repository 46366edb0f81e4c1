package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// MarkEcho records that the entities were just written on 1C's behalf, so
// that for ttl an amoCRM → 1C sync of them is recognized as an echo.
func (db *DB) MarkEcho(ctx context.Context, account, entity string, ids []int64, ttl time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO onec_echo (account, entity_type, entity_id, expires_at)
		SELECT $1, $2, id, now() + $4::interval FROM unnest($3::bigint[]) AS id
		ON CONFLICT (account, entity_type, entity_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
		account, entity, ids, ttl.String())
	if err != nil {
		return fmt.Errorf("store: mark echo: %w", err)
	}
	// Expired marks are dead weight; dropping them here keeps the table small.
	_, _ = db.Pool.Exec(ctx, `DELETE FROM onec_echo WHERE expires_at < now() - interval '1 hour'`)
	return nil
}

// IsEcho reports whether the entity was written on 1C's behalf within its TTL.
func (db *DB) IsEcho(ctx context.Context, account, entity string, id int64) (bool, error) {
	var echo bool
	err := db.Pool.QueryRow(ctx, `
		SELECT EXISTS(SELECT 1 FROM onec_echo
		WHERE account = $1 AND entity_type = $2 AND entity_id = $3 AND expires_at > now())`,
		account, entity, id).Scan(&echo)
	if err != nil {
		return false, fmt.Errorf("store: echo: %w", err)
	}
	return echo, nil
}

// LinkOneC records that the amoCRM entity holds the 1C object guid.
func (db *DB) LinkOneC(ctx context.Context, account, entity, guid string, id int64) error {
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO onec_links (account, entity_type, guid, entity_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account, entity_type, guid) DO UPDATE SET entity_id = EXCLUDED.entity_id, updated_at = now()`,
		account, entity, strings.ToLower(guid), id)
	if err != nil {
		return fmt.Errorf("store: link 1C object: %w", err)
	}
	return nil
}

// OneCEntity returns the amoCRM entity last linked to the 1C object guid.
func (db *DB) OneCEntity(ctx context.Context, account, entity, guid string) (int64, bool, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT entity_id FROM onec_links WHERE account = $1 AND entity_type = $2 AND guid = $3`,
		account, entity, strings.ToLower(guid)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: 1C link: %w", err)
	}
	return id, true, nil
}

// UnlinkOneC forgets a link whose amoCRM entity is gone.
func (db *DB) UnlinkOneC(ctx context.Context, account, entity, guid string, id int64) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM onec_links WHERE account = $1 AND entity_type = $2 AND guid = $3 AND entity_id = $4`,
		account, entity, strings.ToLower(guid), id)
	if err != nil {
		return fmt.Errorf("store: unlink 1C object: %w", err)
	}
	return nil
}
