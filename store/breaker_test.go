package store_test

import (
	"context"
	"testing"
	"time"

	"amoflow/store/storetest"
)

func TestBreakerOneProbePerCooldown(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if _, ok, err := db.Breaker(ctx, "retail"); ok || err != nil {
		t.Fatalf("fresh breaker open=%v err=%v", ok, err)
	}
	if _, ok, _ := db.ClaimProbe(ctx, "retail", time.Minute); ok {
		t.Fatal("probe claimed on a closed breaker")
	}
	b, err := db.TripBreaker(ctx, "retail", time.Hour)
	if err != nil || b.Wait < 59*time.Minute || b.Trips != 1 {
		t.Fatalf("trip: %+v %v", b, err)
	}
	// A shorter trip does not shorten the cool-down.
	if b, _ = db.TripBreaker(ctx, "retail", time.Second); b.Wait < 59*time.Minute || b.Trips != 2 {
		t.Fatalf("second trip: %+v", b)
	}
	if _, ok, _ := db.ClaimProbe(ctx, "retail", time.Minute); ok {
		t.Fatal("probe claimed while cooling down")
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE amo_breakers SET blocked_until = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	claims := 0
	for range 5 {
		if _, ok, err := db.ClaimProbe(ctx, "retail", time.Minute); err != nil {
			t.Fatal(err)
		} else if ok {
			claims++
		}
	}
	if claims != 1 {
		t.Fatalf("%d probes claimed after the cool-down, want 1", claims)
	}
	if all, err := db.Breakers(ctx); err != nil || len(all) != 1 || all[0].Account != "retail" {
		t.Fatalf("breakers %+v %v", all, err)
	}
	if closed, err := db.CloseBreaker(ctx, "retail"); !closed || err != nil {
		t.Fatalf("close: %v %v", closed, err)
	}
	if _, ok, _ := db.Breaker(ctx, "retail"); ok {
		t.Fatal("breaker still open after close")
	}
}
