package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The 1C create outbox (table onec_outbox): a create is recorded before it
// is sent, so that a retry after a lost answer is recognised instead of
// creating the 1C object a second time.

// OneCCreateState is what the outbox holds for one amoCRM entity.
type OneCCreateState int

const (
	// OneCCreateNew: nothing recorded; the row is now 'sending' for the caller.
	OneCCreateNew OneCCreateState = iota
	// OneCCreateDone: created, under the returned GUID.
	OneCCreateDone
	// OneCCreateUnsure: an earlier create was sent and never settled: 1C
	// may hold the object.
	OneCCreateUnsure
)

// OneCCreateKey names the amoCRM entity a 1C object is created for.
type OneCCreateKey struct {
	Account, Entity string
	ID              int64
}

// BeginOneCCreate records that owner is about to send a create for key.
// It returns OneCCreateNew when nothing was recorded (the row now says
// 'sending'), OneCCreateDone with the GUID when a create succeeded within
// doneTTL (older ones are history: amoCRM's marker field is the truth by
// then, and the row is taken over), and OneCCreateUnsure while an earlier
// create is unsettled. force takes over an unsettled row (an operator made
// sure 1C has no object).
func (db *DB) BeginOneCCreate(ctx context.Context, key OneCCreateKey, owner string, doneTTL time.Duration, force bool) (OneCCreateState, string, error) {
	var state, guid string
	var fresh bool
	err := db.Pool.QueryRow(ctx, `
		INSERT INTO onec_outbox AS o (account, entity_type, entity_id, state, owner)
		VALUES ($1, $2, $3, 'sending', $4)
		ON CONFLICT (account, entity_type, entity_id) DO UPDATE
		SET state = 'sending', guid = NULL, owner = EXCLUDED.owner, updated_at = now()
		WHERE (o.state = 'created' AND o.updated_at < now() - $5::interval) OR (o.state = 'sending' AND $6)
		RETURNING o.state, coalesce(o.guid, ''), true`,
		key.Account, key.Entity, key.ID, owner, doneTTL.String(), force).Scan(&state, &guid, &fresh)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.Pool.QueryRow(ctx, `SELECT state, coalesce(guid, '') FROM onec_outbox
			WHERE account = $1 AND entity_type = $2 AND entity_id = $3`, key.Account, key.Entity, key.ID).Scan(&state, &guid)
		fresh = false
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: begin 1C create: %w", err)
	}
	switch {
	case fresh:
		return OneCCreateNew, "", nil
	case state == "created":
		return OneCCreateDone, guid, nil
	}
	return OneCCreateUnsure, "", nil
}

// SettleOneCCreate ends a create: with the GUID 1C answered (or one an
// operator found), or, with an empty guid, by forgetting the row because 1C
// surely created nothing.
func (db *DB) SettleOneCCreate(ctx context.Context, key OneCCreateKey, guid string) error {
	var err error
	if guid == "" {
		_, err = db.Pool.Exec(ctx, `DELETE FROM onec_outbox WHERE account = $1 AND entity_type = $2 AND entity_id = $3`,
			key.Account, key.Entity, key.ID)
	} else {
		_, err = db.Pool.Exec(ctx, `
			INSERT INTO onec_outbox (account, entity_type, entity_id, state, guid, owner) VALUES ($1, $2, $3, 'created', $4, '')
			ON CONFLICT (account, entity_type, entity_id) DO UPDATE SET state = 'created', guid = EXCLUDED.guid, updated_at = now()`,
			key.Account, key.Entity, key.ID, strings.ToLower(guid))
	}
	if err != nil {
		return fmt.Errorf("store: settle 1C create: %w", err)
	}
	return nil
}
