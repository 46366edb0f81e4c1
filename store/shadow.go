package store

import (
	"context"
	"fmt"
	"time"
)

// ShadowWrite is one write planned in shadow mode instead of being sent
// (table shadow_writes, README "Shadow mode").
type ShadowWrite struct {
	ID           int64
	Identity     []byte // attempt-independent digest: a retried attempt finds the row
	Account      string // config key, or "1c"
	WorkflowID   string
	RunID        string
	WorkflowType string
	ActivityType string
	ActivityID   string
	Method       string
	Path         string // with its query
	BodyKey      string // seal key id of Body; "" = plain
	Body         []byte
	// IDs are the sequence numbers drawn for what the write creates; the
	// caller turns them into entity ids of its own range.
	IDs       []int64
	CreatedAt time.Time
}

// RecordShadowWrite stores w under its identity, drawing newIDs fresh
// numbers, and returns the numbers the row holds. A row with the same
// identity (a retried attempt) keeps its numbers when it needs as many, so
// the flow sees the ids it saw before; its body becomes the latest one.
func (db *DB) RecordShadowWrite(ctx context.Context, w ShadowWrite, newIDs int) ([]int64, error) {
	var ids []int64
	err := db.Pool.QueryRow(ctx, `
		INSERT INTO shadow_writes AS s (identity, account, workflow_id, run_id, workflow_type,
			activity_type, activity_id, method, path, body_key, body, ids)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
			ARRAY(SELECT nextval('shadow_entity_ids') FROM generate_series(1, $12::int)))
		ON CONFLICT (identity) DO UPDATE SET
			run_id = EXCLUDED.run_id, body_key = EXCLUDED.body_key, body = EXCLUDED.body,
			ids = CASE WHEN cardinality(s.ids) = cardinality(EXCLUDED.ids) THEN s.ids ELSE EXCLUDED.ids END,
			updated_at = now()
		RETURNING ids`,
		w.Identity, w.Account, w.WorkflowID, w.RunID, w.WorkflowType, w.ActivityType, w.ActivityID,
		w.Method, w.Path, w.BodyKey, w.Body, newIDs).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("store: shadow write: %w", err)
	}
	return ids, nil
}

// ShadowFilter selects planned writes: since a time, of one account and/or
// one job when set.
type ShadowFilter struct {
	Since      time.Time
	Account    string
	WorkflowID string
}

// ShadowWrites lists the planned writes matching f, oldest first.
func (db *DB) ShadowWrites(ctx context.Context, f ShadowFilter) ([]ShadowWrite, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT id, identity, account, workflow_id, run_id, workflow_type, activity_type, activity_id,
			method, path, body_key, body, ids, created_at
		FROM shadow_writes
		WHERE created_at >= $1 AND ($2 = '' OR account = $2) AND ($3 = '' OR workflow_id = $3)
		ORDER BY created_at, id`, f.Since, f.Account, f.WorkflowID)
	if err != nil {
		return nil, fmt.Errorf("store: shadow writes: %w", err)
	}
	defer rows.Close()
	var out []ShadowWrite
	for rows.Next() {
		var w ShadowWrite
		if err := rows.Scan(&w.ID, &w.Identity, &w.Account, &w.WorkflowID, &w.RunID, &w.WorkflowType,
			&w.ActivityType, &w.ActivityID, &w.Method, &w.Path, &w.BodyKey, &w.Body, &w.IDs, &w.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: shadow writes: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: shadow writes: %w", err)
	}
	return out, nil
}

// PurgeShadowWrites deletes the planned writes older than age and reports
// how many went.
func (db *DB) PurgeShadowWrites(ctx context.Context, age time.Duration) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM shadow_writes WHERE created_at < now() - $1::interval`, age)
	if err != nil {
		return 0, fmt.Errorf("store: purge shadow writes: %w", err)
	}
	return tag.RowsAffected(), nil
}
