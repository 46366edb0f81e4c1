package store

import (
	"context"
	"fmt"
	"time"
)

// OneCNotice is what 1C posted to one of the old notice URLs
// (table onec_notices, README "Migrating from the old URLs").
type OneCNotice struct {
	JobID       string
	Kind        string // paymentreceived | courseended | leadtask (PUT /api/leadtasks)
	ContentType string
	BodyKey     string // seal key id of Body; "" = plain
	Body        []byte
	ReceivedAt  time.Time
}

// RecordOneCNotice stores n once per job: a second call for the same job
// (a retried activity) keeps the first row and reports false.
func (db *DB) RecordOneCNotice(ctx context.Context, n OneCNotice) (bool, error) {
	tag, err := db.Pool.Exec(ctx, `
		INSERT INTO onec_notices (job_id, kind, content_type, body_key, body, received_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (job_id) DO NOTHING`,
		n.JobID, n.Kind, n.ContentType, n.BodyKey, n.Body, n.ReceivedAt)
	if err != nil {
		return false, fmt.Errorf("store: 1C notice: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// OneCNotices lists the notices received since a time, of one kind when
// kind is set, oldest first.
func (db *DB) OneCNotices(ctx context.Context, since time.Time, kind string) ([]OneCNotice, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT job_id, kind, content_type, body_key, body, received_at
		FROM onec_notices
		WHERE received_at >= $1 AND ($2 = '' OR kind = $2)
		ORDER BY received_at, job_id`, since, kind)
	if err != nil {
		return nil, fmt.Errorf("store: 1C notices: %w", err)
	}
	defer rows.Close()
	var out []OneCNotice
	for rows.Next() {
		var n OneCNotice
		if err := rows.Scan(&n.JobID, &n.Kind, &n.ContentType, &n.BodyKey, &n.Body, &n.ReceivedAt); err != nil {
			return nil, fmt.Errorf("store: 1C notices: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: 1C notices: %w", err)
	}
	return out, nil
}

// PurgeOneCNotices deletes the notices received more than age ago and
// reports how many went.
func (db *DB) PurgeOneCNotices(ctx context.Context, age time.Duration) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM onec_notices WHERE received_at < now() - $1::interval`, age)
	if err != nil {
		return 0, fmt.Errorf("store: purge 1C notices: %w", err)
	}
	return tag.RowsAffected(), nil
}
