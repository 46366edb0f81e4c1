package amocrm

import (
	"context"
	"strings"
	"testing"
	"time"

	"amoflow/store/storetest"
)

const (
	testKeyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	testKeyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

func TestTokenKeyRing(t *testing.T) {
	old, _ := ParseTokenKey(testKeyA) // the single token_key of older configs
	v1 := strings.Replace(old.seal("retail", "access_token", "tok"), sealedPrefix+"token_key:", sealedPrefixV1, 1)

	ring, err := ParseTokenKeys([]NamedTokenKey{{"2026-12", testKeyB}, {"token_key", testKeyA}})
	if err != nil {
		t.Fatal(err)
	}
	for _, stored := range []string{v1, old.seal("retail", "access_token", "tok"), "tok"} {
		if got, err := ring.open("retail", "access_token", stored); err != nil || got != "tok" {
			t.Errorf("open %q: %q %v", stored, got, err)
		}
	}
	sealed := ring.seal("retail", "access_token", "tok")
	if !strings.HasPrefix(sealed, sealedPrefix+"2026-12:") {
		t.Fatalf("sealed with %q, want the newest key", sealed)
	}
	if _, err := old.open("retail", "access_token", sealed); err == nil || !strings.Contains(err.Error(), "2026-12") {
		t.Fatalf("a ring without the key opened it: %v", err)
	}
	if _, err := ring.open("corp", "access_token", sealed); err == nil {
		t.Fatal("a value moved to another account opened")
	}
	if _, err := ParseTokenKeys([]NamedTokenKey{{"a", testKeyA}, {"a", testKeyB}}); err == nil {
		t.Fatal("duplicate ids accepted")
	}
}

func TestRekey(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	old, _ := ParseTokenKey(testKeyA)
	if _, err := db.PutToken(ctx, "retail", old.seal("retail", "access_token", "acc"), old.seal("retail", "refresh_token", "ref"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutToken(ctx, "corp", "plain-acc", "", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Token(ctx, "retail")

	ring, _ := ParseTokenKeys([]NamedTokenKey{{"new", testKeyB}, {"token_key", testKeyA}})
	done, err := Rekey(ctx, db, ring)
	if err != nil || strings.Join(done, ",") != "corp,retail" {
		t.Fatalf("rekey: %v %v", done, err)
	}
	newOnly, _ := ParseTokenKeys([]NamedTokenKey{{"new", testKeyB}})
	for acct, want := range map[string][2]string{"retail": {"acc", "ref"}, "corp": {"plain-acc", ""}} {
		r, _ := db.Token(ctx, acct)
		if sealedWith(r.AccessToken) != "new" || strings.Contains(r.AccessToken, want[0]) {
			t.Errorf("%s access not resealed: %q", acct, r.AccessToken)
		}
		a, err1 := newOnly.open(acct, "access_token", r.AccessToken)
		f, err2 := newOnly.open(acct, "refresh_token", r.RefreshToken)
		if err1 != nil || err2 != nil || a != want[0] || f != want[1] {
			t.Errorf("%s after rekey: %q %q %v %v", acct, a, f, err1, err2)
		}
	}
	after, _ := db.Token(ctx, "retail")
	if after.Version != before.Version || !after.ExpiresAt.Equal(before.ExpiresAt) {
		t.Errorf("rekey changed the pair's version or expiry: %+v → %+v", before, after)
	}
	if done, err := Rekey(ctx, db, ring); err != nil || len(done) != 0 {
		t.Fatalf("second rekey rewrote %v %v", done, err)
	}
}

// Values sealed before the AES-GCM code moved to package seal must open:
// the stored format is nonce || ciphertext, base64, framed by enc:v1:/enc:v2:{id}:.
func TestTokensSealedEarlierStillOpen(t *testing.T) {
	ring, err := ParseTokenKeys([]NamedTokenKey{{"2026-12", testKeyB}, {"2026-01", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ column, stored, want string }{
		{"access_token", "enc:v2:2026-01:xJpbF1kJsM9SYWUTZNoGQxJYf4OsL5r3nNPwPveyMGmpMQ==", "tok-v2"},
		{"refresh_token", "enc:v1:0KG7Y48ejnvzjlGbpcaeYUcSMa4PbKOfJLnniKCqz2U3IQ==", "tok-v1"},
	} {
		if got, err := ring.open("retail", c.column, c.stored); err != nil || got != c.want {
			t.Errorf("open %s: %q %v, want %q", c.stored, got, err, c.want)
		}
		// Bound to its account: the same value under another account does not open.
		if _, err := ring.open("other", c.column, c.stored); err == nil {
			t.Errorf("%s opened under another account", c.stored)
		}
	}
}
