package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"amoflow/store/storetest"
)

func TestBindIdempotencyKey(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	ttl := time.Hour
	a, b := []byte("digest-a"), []byte("digest-b")

	// Concurrent first uses with two bodies: exactly one body wins.
	var wg sync.WaitGroup
	results := make([]bool, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := a
			if i%2 == 1 {
				d = b
			}
			same, err := db.BindIdempotencyKey(ctx, "form-retail-k1", d, ttl)
			if err != nil {
				t.Error(err)
			}
			results[i] = same
		}()
	}
	wg.Wait()
	winsA, winsB := results[0] && results[2] && results[4] && results[6], results[1] && results[3] && results[5] && results[7]
	anyA, anyB := results[0] || results[2] || results[4] || results[6], results[1] || results[3] || results[5] || results[7]
	if winsA == winsB || anyA == anyB {
		t.Fatalf("one body must win the key, all its requests agreeing: %v", results)
	}
	winner := a
	if winsB {
		winner = b
	}
	if same, _ := db.BindIdempotencyKey(ctx, "form-retail-k1", winner, ttl); !same {
		t.Fatal("the bound body again")
	}
	// Another key is independent.
	if same, _ := db.BindIdempotencyKey(ctx, "form-retail-k2", b, ttl); !same {
		t.Fatal("a new key")
	}
	// An expired binding is replaced as if new.
	if _, err := db.Pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '2 hours' WHERE job_id = 'form-retail-k2'`); err != nil {
		t.Fatal(err)
	}
	if same, _ := db.BindIdempotencyKey(ctx, "form-retail-k2", a, ttl); !same {
		t.Fatal("an expired key bound anew")
	}
	if same, _ := db.BindIdempotencyKey(ctx, "form-retail-k2", b, ttl); same {
		t.Fatal("the new binding holds")
	}
}
