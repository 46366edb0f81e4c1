package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"amoflow/store/storetest"
)

func TestNextInTurnIsFairAcrossConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	pool := []int64{8628763, 2375116, 2375131}
	const n = 30
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := db.NextInTurn(ctx, "corp", fmt.Sprintf("lead-%d", i), pool)
			if err != nil {
				t.Error(err)
			}
			got[i] = id
		}()
	}
	wg.Wait()
	count := map[int64]int{}
	for _, id := range got {
		count[id]++
	}
	for _, m := range pool {
		if count[m] != n/len(pool) {
			t.Fatalf("turns = %v, want %d each", count, n/len(pool))
		}
	}
}

func TestNextInTurnGivesAKeyTheSameMemberOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	pool := []int64{1, 2, 3}
	first, err := db.NextInTurn(ctx, "corp", "lead-7", pool)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 { // retries racing each other
		wg.Add(1)
		go func() {
			defer wg.Done()
			if again, err := db.NextInTurn(ctx, "corp", "lead-7", pool); err != nil || again != first {
				t.Errorf("again = %d %v, want %d", again, err, first)
			}
		}()
	}
	wg.Wait()
	next, _ := db.NextInTurn(ctx, "corp", "lead-8", pool)
	if first != 1 || next != 2 {
		t.Fatalf("first = %d, next = %d: a repeated key must not take a turn", first, next)
	}
	if other, _ := db.NextInTurn(ctx, "other", "lead-7", pool); other != 1 {
		t.Fatalf("pools are independent: %d", other)
	}
	if _, err := db.NextInTurn(ctx, "empty", "k", nil); err == nil {
		t.Fatal("an empty pool is an error")
	}
}
