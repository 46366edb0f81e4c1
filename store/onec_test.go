package store_test

import (
	"context"
	"testing"
	"time"

	"amoflow/store/storetest"
)

func TestEchoMarksExpireAndAreKeyedByAccountAndType(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if err := db.MarkEcho(ctx, "retail", "contacts", []int64{1, 2}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkEcho(ctx, "retail", "leads", []int64{3}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	for _, c := range []struct {
		account, entity string
		id              int64
		want            bool
	}{
		{"retail", "contacts", 1, true},
		{"retail", "contacts", 2, true},
		{"corp", "contacts", 1, false},    // another account
		{"retail", "companies", 1, false}, // another type
		{"retail", "leads", 3, false},     // expired
	} {
		got, err := db.IsEcho(ctx, c.account, c.entity, c.id)
		if err != nil || got != c.want {
			t.Errorf("IsEcho(%s, %s, %d) = %v, %v; want %v", c.account, c.entity, c.id, got, err, c.want)
		}
	}
}

func TestOneCLinks(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	const guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
	if _, ok, err := db.OneCEntity(ctx, "retail", "contacts", guid); ok || err != nil {
		t.Fatalf("empty table: %v %v", ok, err)
	}
	if err := db.LinkOneC(ctx, "retail", "contacts", guid, 10); err != nil {
		t.Fatal(err)
	}
	if err := db.LinkOneC(ctx, "retail", "contacts", guid, 11); err != nil { // relinked
		t.Fatal(err)
	}
	if id, ok, err := db.OneCEntity(ctx, "retail", "contacts", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"); id != 11 || !ok || err != nil {
		t.Fatalf("OneCEntity = %d %v %v", id, ok, err)
	}
	if err := db.UnlinkOneC(ctx, "retail", "contacts", guid, 10); err != nil { // stale id: kept
		t.Fatal(err)
	}
	if _, ok, _ := db.OneCEntity(ctx, "retail", "contacts", guid); !ok {
		t.Fatal("unlinking a stale id removed the current link")
	}
	if err := db.UnlinkOneC(ctx, "retail", "contacts", guid, 11); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.OneCEntity(ctx, "retail", "contacts", guid); ok {
		t.Fatal("link kept after unlink")
	}
}
