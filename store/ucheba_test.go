package store_test

import (
	"context"
	"slices"
	"testing"

	"amoflow/store/storetest"
)

func TestUchebaFormsRemembered(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	ids := []string{"form-retail-ucheba-9915-3", "form-retail-ucheba-9915-1", "form-retail-ucheba-9915-2"}
	if got, err := db.UchebaStarted(ctx, ids); err != nil || len(got) != 0 {
		t.Fatalf("before: %v %v, want none", got, err)
	}
	if err := db.RememberUcheba(ctx, "ucheba-import-2026-12-01", ids[1:]); err != nil {
		t.Fatal(err)
	}
	// Again, by another run, with one more: the first run's rows stay.
	if err := db.RememberUcheba(ctx, "ucheba-import-2026-12-01-again", ids[:2]); err != nil {
		t.Fatal(err)
	}
	got, err := db.UchebaStarted(ctx, append(ids, "form-retail-ucheba-9915-4"))
	if err != nil || !slices.Equal(got, ids) {
		t.Errorf("after: %v %v, want %v in that order", got, err, ids)
	}
	var run string
	if err := db.Pool.QueryRow(ctx, `SELECT import_job FROM ucheba_forms WHERE job_id = $1`, ids[1]).Scan(&run); err != nil || run != "ucheba-import-2026-12-01" {
		t.Errorf("first run of %s: %q %v", ids[1], run, err)
	}
	if err := db.RememberUcheba(ctx, "x", nil); err != nil {
		t.Errorf("nothing to remember: %v", err)
	}
}
