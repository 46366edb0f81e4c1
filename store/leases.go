package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Holder is the workflow run that holds a lease.
type Holder struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// Closed reports whether a holder's run has ended (so its leases are free).
type Closed func(ctx context.Context, h Holder) (bool, error)

// AcquireLeases takes every key for me, in sorted order, each in its own
// statement, and keeps what it took: two runs that want overlapping sets
// take the shared keys in the same order, so neither can hold one the other
// waits for while waiting for one the other holds. A key held by another
// run is taken over only when closed says that run has ended; otherwise
// AcquireLeases stops there and reports the key and its holder (the caller
// retries later; the keys taken so far stay taken). Keys me already holds
// count as taken, so a retried call is harmless.
func (db *DB) AcquireLeases(ctx context.Context, keys []string, me Holder, closed Closed) (blocked string, by Holder, err error) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for _, key := range keys {
		by, err = db.acquire(ctx, key, me, closed)
		if err != nil {
			return "", Holder{}, fmt.Errorf("store: lease %s: %w", key, err)
		}
		if by != (Holder{}) {
			return key, by, nil
		}
	}
	return "", Holder{}, nil
}

// acquire takes one key; it returns the live holder when another run has it.
func (db *DB) acquire(ctx context.Context, key string, me Holder, closed Closed) (Holder, error) {
	for range 5 { // a key released or taken between two statements is read again
		tag, err := db.Pool.Exec(ctx, `
			INSERT INTO leases (key, workflow_id, run_id) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO NOTHING`, key, me.WorkflowID, me.RunID)
		if err != nil {
			return Holder{}, err
		}
		if tag.RowsAffected() == 1 {
			return Holder{}, nil
		}
		var h Holder
		err = db.Pool.QueryRow(ctx, `SELECT workflow_id, run_id FROM leases WHERE key = $1`, key).Scan(&h.WorkflowID, &h.RunID)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // released meanwhile
		}
		if err != nil {
			return Holder{}, err
		}
		if h == me {
			return Holder{}, nil
		}
		done, err := closed(ctx, h)
		if err != nil {
			return Holder{}, fmt.Errorf("is holder %s/%s running: %w", h.WorkflowID, h.RunID, err)
		}
		if !done {
			return h, nil
		}
		// Take over from the ended run, unless someone else was quicker.
		tag, err = db.Pool.Exec(ctx, `
			UPDATE leases SET workflow_id = $2, run_id = $3, acquired_at = now()
			WHERE key = $1 AND workflow_id = $4 AND run_id = $5`,
			key, me.WorkflowID, me.RunID, h.WorkflowID, h.RunID)
		if err != nil {
			return Holder{}, err
		}
		if tag.RowsAffected() == 1 {
			return Holder{}, nil
		}
	}
	return Holder{}, errors.New("the lease keeps changing hands")
}

// ReleaseLeases frees every key me holds and reports how many there were.
func (db *DB) ReleaseLeases(ctx context.Context, me Holder) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM leases WHERE workflow_id = $1 AND run_id = $2`, me.WorkflowID, me.RunID)
	if err != nil {
		return 0, fmt.Errorf("store: release leases: %w", err)
	}
	return tag.RowsAffected(), nil
}

// LeaseHolder returns who holds key, if anyone.
func (db *DB) LeaseHolder(ctx context.Context, key string) (Holder, bool, error) {
	var h Holder
	err := db.Pool.QueryRow(ctx, `SELECT workflow_id, run_id FROM leases WHERE key = $1`, key).Scan(&h.WorkflowID, &h.RunID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, fmt.Errorf("store: lease %s: %w", key, err)
	}
	return h, true, nil
}

// Known is what amo_index holds for one key.
type Known struct {
	Key       string `json:"key"`
	ContactID int64  `json:"contact_id,omitempty"`
	LeadID    int64  `json:"lead_id,omitempty"`
}

// LookupKnown returns the account's entries for keys, in the order of keys
// (missing keys are left out).
func (db *DB) LookupKnown(ctx context.Context, account string, keys []string) ([]Known, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := db.Pool.Query(ctx, `SELECT key, contact_id, lead_id FROM amo_index WHERE account = $1 AND key = ANY($2)`, account, keys)
	if err != nil {
		return nil, fmt.Errorf("store: amo index: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Known, error) {
		var k Known
		err := r.Scan(&k.Key, &k.ContactID, &k.LeadID)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: amo index: %w", err)
	}
	var out []Known
	for _, key := range keys {
		if i := slices.IndexFunc(found, func(k Known) bool { return k.Key == key }); i >= 0 {
			out = append(out, found[i])
		}
	}
	return out, nil
}

// RememberKnown records the entries for the account, replacing earlier ones.
func (db *DB) RememberKnown(ctx context.Context, account string, entries []Known) error {
	for _, k := range entries {
		if k.Key == "" {
			continue
		}
		_, err := db.Pool.Exec(ctx, `
			INSERT INTO amo_index (account, key, contact_id, lead_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account, key) DO UPDATE SET contact_id = EXCLUDED.contact_id,
				lead_id = EXCLUDED.lead_id, updated_at = now()`,
			account, k.Key, k.ContactID, k.LeadID)
		if err != nil {
			return fmt.Errorf("store: remember in amo index: %w", err)
		}
	}
	return nil
}
