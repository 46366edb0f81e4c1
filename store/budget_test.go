package store_test

import (
	"context"
	"testing"
	"time"

	"amoflow/store/storetest"
)

// Slots an hour apart, so the milliseconds between the statements do not matter.
func TestReserveRequestSpacesSlots(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	// The slot's time, as a wait from now (Postgres and the test share a clock).
	near := func(got, want time.Duration) bool { return got > want-time.Minute && got <= want+time.Second }
	reserve := func(account string, horizon time.Duration) (time.Duration, bool, error) {
		at, ok, err := db.ReserveRequest(ctx, account, time.Hour, horizon)
		return time.Until(at), ok, err
	}

	if wait, ok, err := reserve("retail", 2*time.Hour); err != nil || !ok || wait > time.Second {
		t.Fatalf("first slot: wait %v, ok %v, %v; want now", wait, ok, err)
	}
	if wait, ok, err := reserve("retail", 2*time.Hour); err != nil || !ok || !near(wait, time.Hour) {
		t.Fatalf("second slot: wait %v, ok %v, %v; want in an hour", wait, ok, err)
	}
	// The next free slot is two hours away: beyond a one-hour horizon it is
	// not reserved, and the wait says when it comes within the horizon.
	if wait, ok, err := reserve("retail", time.Hour); err != nil || ok || !near(wait, time.Hour) {
		t.Fatalf("beyond the horizon: wait %v, ok %v, %v; want not reserved, ask again in an hour", wait, ok, err)
	}
	// Another account has its own budget.
	if wait, ok, err := reserve("corp", time.Hour); err != nil || !ok || wait > time.Second {
		t.Fatalf("other account: wait %v, ok %v, %v", wait, ok, err)
	}
	// A 429 pushes the next slot out; it never pulls it in.
	if err := db.DelayRequests(ctx, "retail", 5*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := db.DelayRequests(ctx, "retail", time.Second); err != nil {
		t.Fatal(err)
	}
	if wait, ok, err := reserve("retail", 6*time.Hour); err != nil || !ok || !near(wait, 5*time.Hour) {
		t.Fatalf("after the delay: wait %v, ok %v, %v; want in five hours", wait, ok, err)
	}
}
