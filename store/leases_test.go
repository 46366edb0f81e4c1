package store_test

import (
	"context"
	"sync"
	"testing"

	"amoflow/store"
	"amoflow/store/storetest"
)

func TestLeasesSerializeOverlappingKeySetsAndTakeOverFromClosedRuns(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	running := map[store.Holder]bool{}
	var mu sync.Mutex
	closed := func(_ context.Context, h store.Holder) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return !running[h], nil
	}
	a := store.Holder{WorkflowID: "form-a", RunID: "r1"}
	b := store.Holder{WorkflowID: "form-b", RunID: "r1"}
	running[a], running[b] = true, true

	if key, by, err := db.AcquireLeases(ctx, []string{"retail:phone:1", "retail:email:2"}, a, closed); err != nil || key != "" {
		t.Fatalf("a: blocked on %q by %v, %v", key, by, err)
	}
	// Retried by the same run: still its own.
	if key, _, err := db.AcquireLeases(ctx, []string{"retail:email:2", "retail:phone:1"}, a, closed); err != nil || key != "" {
		t.Fatalf("a again: blocked on %q, %v", key, err)
	}
	// b shares only the e-mail: it takes its other key (sorted first) and waits on the shared one.
	key, by, err := db.AcquireLeases(ctx, []string{"retail:phone:9", "retail:email:2"}, b, closed)
	if err != nil || key != "retail:email:2" || by != a {
		t.Fatalf("b: blocked on %q by %v, %v; want retail:email:2 held by a", key, by, err)
	}
	if h, ok, _ := db.LeaseHolder(ctx, "retail:email:2"); !ok || h != a {
		t.Fatalf("holder of the e-mail = %v %v, want a", h, ok)
	}

	// a ends normally: releasing frees both its keys, b gets the e-mail.
	if n, err := db.ReleaseLeases(ctx, a); err != nil || n != 2 {
		t.Fatalf("release a = %d, %v; want 2", n, err)
	}
	if key, _, err := db.AcquireLeases(ctx, []string{"retail:phone:9", "retail:email:2"}, b, closed); err != nil || key != "" {
		t.Fatalf("b after a released: blocked on %q, %v", key, err)
	}

	// b is terminated without releasing: c waits while b runs, takes over once it is closed.
	c := store.Holder{WorkflowID: "form-c", RunID: "r7"}
	if key, by, _ := db.AcquireLeases(ctx, []string{"retail:email:2"}, c, closed); key == "" || by != b {
		t.Fatalf("c took a key b holds while b runs (blocked %q by %v)", key, by)
	}
	mu.Lock()
	running[b] = false
	mu.Unlock()
	if key, _, err := db.AcquireLeases(ctx, []string{"retail:email:2"}, c, closed); err != nil || key != "" {
		t.Fatalf("c after b closed: blocked on %q, %v", key, err)
	}
	if h, _, _ := db.LeaseHolder(ctx, "retail:email:2"); h != c {
		t.Fatalf("holder = %v, want c", h)
	}
	// b's other key is still recorded as b's; a release by c leaves it alone.
	if n, _ := db.ReleaseLeases(ctx, c); n != 1 {
		t.Fatalf("release c = %d, want 1", n)
	}
	if h, ok, _ := db.LeaseHolder(ctx, "retail:phone:9"); !ok || h != b {
		t.Fatalf("holder of b's phone = %v %v, want b", h, ok)
	}
}

func TestLeasesOneWinnerAmongConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	live := store.Closed(func(context.Context, store.Holder) (bool, error) { return false, nil }) // every holder runs
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	for _, id := range []string{"w1", "w2", "w3", "w4", "w5", "w6"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key, _, err := db.AcquireLeases(ctx, []string{"corp:lead:7", "corp:phone:1"}, store.Holder{WorkflowID: id, RunID: "r"}, live)
			if err != nil {
				t.Error(err)
				return
			}
			if key == "" {
				mu.Lock()
				winners = append(winners, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners = %v, want exactly one", winners)
	}
}

func TestKnownEntitiesByAccountAndKey(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if err := db.RememberKnown(ctx, "retail", []store.Known{{Key: "phone:a", ContactID: 1, LeadID: 10}, {Key: "email:b", ContactID: 1, LeadID: 10}}); err != nil {
		t.Fatal(err)
	}
	if err := db.RememberKnown(ctx, "retail", []store.Known{{Key: "phone:a", ContactID: 2, LeadID: 20}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.LookupKnown(ctx, "retail", []string{"phone:a", "phone:x", "email:b"})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Known{{Key: "phone:a", ContactID: 2, LeadID: 20}, {Key: "email:b", ContactID: 1, LeadID: 10}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("lookup = %+v, want %+v", got, want)
	}
	if other, _ := db.LookupKnown(ctx, "corp", []string{"phone:a"}); len(other) != 0 {
		t.Fatalf("another account sees %+v", other)
	}
}
