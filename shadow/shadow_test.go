package shadow

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"amoflow/seal"
	"amoflow/store"
	"amoflow/store/storetest"
)

func TestIdentityIgnoresAttemptAndRun(t *testing.T) {
	o := Origin{WorkflowID: "form-retail-1", RunID: "r1", ActivityID: "5", Attempt: 1}
	retry := o
	retry.RunID, retry.Attempt = "r2", 3
	if !bytes.Equal(Identity("retail", o, "POST", "/p", 0), Identity("retail", retry, "POST", "/p", 0)) {
		t.Error("a retried attempt has another identity")
	}
	other := o
	other.ActivityID = "6"
	for _, id := range [][]byte{
		Identity("corp", o, "POST", "/p", 0), Identity("retail", other, "POST", "/p", 0),
		Identity("retail", o, "PATCH", "/p", 0), Identity("retail", o, "POST", "/q", 0), Identity("retail", o, "POST", "/p", 1),
	} {
		if bytes.Equal(id, Identity("retail", o, "POST", "/p", 0)) {
			t.Error("two different writes share an identity")
		}
	}
}

func TestSequencerPerAttempt(t *testing.T) {
	var s sequencer
	o := Origin{WorkflowID: "w", ActivityID: "1", Attempt: 1}
	if a, b, c := s.next(o, "POST", "/p"), s.next(o, "POST", "/p"), s.next(o, "POST", "/q"); a != 0 || b != 1 || c != 0 {
		t.Errorf("first attempt numbered %d %d %d", a, b, c)
	}
	o.Attempt = 2
	if a := s.next(o, "POST", "/p"); a != 0 {
		t.Errorf("a new attempt starts at %d", a)
	}
}

// The recorder keeps one row per write whatever the attempts, hands a
// retried attempt the ids of the first, and seals the body.
func TestRecorderIdempotentAndSealed(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Postgres")
	}
	ctx := context.Background()
	db := storetest.New(t)
	key, err := seal.ParseKey("k1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewRing([]seal.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{DB: db, Ring: ring}
	body := []byte(`[{"name":"Мария","phone":"+79161234567"}]`)

	// Two attempts (of two runs) of one activity of one job, each writing
	// twice to one path.
	var first, second [][]int64
	o := Origin{WorkflowID: "form-retail-k", RunID: "r1", WorkflowType: "CreateLeadFromForm",
		ActivityID: "7", ActivityType: "CreateContacts", Attempt: 1}
	for i, out := range []*[][]int64{&first, &second} {
		o.Attempt, o.RunID = int32(i+1), fmt.Sprint("r", i+1)
		for range 2 {
			ids, err := rec.plan(ctx, o, "retail", "POST", "/api/v4/contacts", body, 1)
			if err != nil {
				t.Fatal(err)
			}
			*out = append(*out, ids)
		}
	}
	// The same write from another activity is another row.
	o.ActivityID = "8"
	other, err := rec.plan(ctx, o, "retail", "POST", "/api/v4/contacts", body, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || slices.Equal(first[0], first[1]) {
		t.Fatalf("two writes of one attempt got %v; want two ids", first)
	}
	if !slices.Equal(first[0], second[0]) || !slices.Equal(first[1], second[1]) {
		t.Errorf("the same activity again got %v, first %v; want the same ids", second, first)
	}
	rows, err := db.ShadowWrites(ctx, store.ShadowFilter{Since: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || slices.Equal(other, first[0]) || slices.Equal(other, first[1]) {
		t.Fatalf("%d rows, other activity got %v; want 3 rows and new ids", len(rows), other)
	}
	r := rows[0]
	if r.BodyKey != "k1" || bytes.Contains(r.Body, []byte("79161234567")) {
		t.Errorf("the body is stored in clear (key %q)", r.BodyKey)
	}
	if got, err := rec.Open(r); err != nil || !bytes.Equal(got, body) {
		t.Errorf("opened %s, %v", got, err)
	}
	if r.Account != "retail" || r.WorkflowID != "form-retail-k" || r.ActivityType != "CreateContacts" || r.RunID != "r2" || r.Method != "POST" {
		t.Errorf("row %+v", r)
	}
	if _, err := rec.Plan(ctx, "retail", "POST", "/x", nil, 0); err != ErrNoActivity {
		t.Errorf("outside an activity: %v", err)
	}
	if n, err := db.PurgeShadowWrites(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("purge of fresh rows deleted %d, %v", n, err)
	}
}
