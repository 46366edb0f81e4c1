package shadow

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"amoflow/seal"
	"amoflow/store"
	"amoflow/store/storetest"
)

func TestPathTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v4/leads/123/link":          "/api/v4/leads/{id}/link",
		"/api/v4/leads/complex":           "/api/v4/leads/complex",
		"/api/v4/catalogs/5/elements/6?x": "/api/v4/catalogs/{id}/elements/{id}",
		"EditStudent":                     "EditStudent",
	} {
		if got := PathTemplate(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

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

	var first, second [][]int64
	plan := func(out *[][]int64) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			for range 2 { // two writes to one path in one attempt
				ids, err := rec.Plan(ctx, "retail", "POST", "/api/v4/contacts", body, 1)
				if err != nil {
					return err
				}
				*out = append(*out, ids)
			}
			return nil
		}
	}
	// Two runs of one activity of one job (the test environment's ids),
	// as a retried attempt would be.
	var s testsuite.WorkflowTestSuite
	for _, out := range []*[][]int64{&first, &second} {
		env := s.NewTestActivityEnvironment()
		fn := plan(out)
		env.RegisterActivity(fn)
		if _, err := env.ExecuteActivity(fn); err != nil {
			t.Fatal(err)
		}
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
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	r := rows[0]
	if r.BodyKey != "k1" || bytes.Contains(r.Body, []byte("79161234567")) {
		t.Errorf("the body is stored in clear (key %q)", r.BodyKey)
	}
	if got, err := rec.Open(r); err != nil || !bytes.Equal(got, body) {
		t.Errorf("opened %s, %v", got, err)
	}
	if r.Account != "retail" || r.WorkflowID == "" || r.ActivityType == "" || r.Method != "POST" {
		t.Errorf("row %+v", r)
	}
	if _, err := rec.Plan(ctx, "retail", "POST", "/x", nil, 0); err != ErrNoActivity {
		t.Errorf("outside an activity: %v", err)
	}
	if n, err := db.PurgeShadowWrites(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("purge of fresh rows deleted %d, %v", n, err)
	}
}
