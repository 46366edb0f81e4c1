package store_test

import (
	"context"
	"testing"
	"time"

	"amoflow/store"
	"amoflow/store/storetest"
)

func TestOneCOutbox(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Postgres")
	}
	ctx := context.Background()
	db := storetest.New(t)
	key := store.OneCCreateKey{Account: "retail", Entity: "contacts", ID: 5}
	begin := func(force bool, ttl time.Duration) (store.OneCCreateState, string) {
		t.Helper()
		st, guid, err := db.BeginOneCCreate(ctx, key, "wf-1", ttl, force)
		if err != nil {
			t.Fatal(err)
		}
		return st, guid
	}
	if st, _ := begin(false, time.Hour); st != store.OneCCreateNew {
		t.Fatalf("first begin = %v, want new", st)
	}
	// The answer was lost: the row stays 'sending', and a retry is unsure.
	if st, _ := begin(false, time.Hour); st != store.OneCCreateUnsure {
		t.Fatalf("begin after a lost answer = %v, want unsure", st)
	}
	// Another entity, another account: unaffected.
	if st, _, _ := db.BeginOneCCreate(ctx, store.OneCCreateKey{Account: "corp", Entity: "contacts", ID: 5}, "wf-2", time.Hour, false); st != store.OneCCreateNew {
		t.Fatalf("other account = %v", st)
	}
	// An operator says 1C has nothing: force takes the row over.
	if st, _ := begin(true, time.Hour); st != store.OneCCreateNew {
		t.Fatalf("forced begin = %v, want new", st)
	}
	const guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
	if err := db.SettleOneCCreate(ctx, key, guid); err != nil {
		t.Fatal(err)
	}
	if st, got := begin(false, time.Hour); st != store.OneCCreateDone || got != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" {
		t.Fatalf("begin after a create = %v %q", st, got)
	}
	// A create older than the TTL is history: a new create may go.
	time.Sleep(10 * time.Millisecond)
	if st, _ := begin(false, time.Millisecond); st != store.OneCCreateNew {
		t.Fatalf("begin after an old create = %v, want new", st)
	}
	// 1C surely created nothing: the row is forgotten.
	if err := db.SettleOneCCreate(ctx, key, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := begin(false, time.Hour); st != store.OneCCreateNew {
		t.Fatalf("begin after a settled failure = %v, want new", st)
	}
}
