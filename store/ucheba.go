package store

import (
	"context"
	"fmt"
)

// UchebaStarted returns which of the ucheba.ru form jobs ids an import has
// recorded as started (see RememberUcheba), in the order of ids.
func (db *DB) UchebaStarted(ctx context.Context, ids []string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT job_id FROM ucheba_forms WHERE job_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: ucheba_forms: %w", err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: ucheba_forms: %w", err)
		}
		known[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: ucheba_forms: %w", err)
	}
	var out []string
	for _, id := range ids {
		if known[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// RememberUcheba records form jobs as started by the import run importJob;
// a job recorded before keeps its first run.
func (db *DB) RememberUcheba(ctx context.Context, importJob string, ids []string) error {
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO ucheba_forms (job_id, import_job)
		SELECT unnest($1::text[]), $2
		ON CONFLICT (job_id) DO NOTHING`, ids, importJob)
	if err != nil {
		return fmt.Errorf("store: ucheba_forms: %w", err)
	}
	return nil
}
