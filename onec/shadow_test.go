package onec

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"amoflow/config"
)

type memPlanner struct {
	mu      sync.Mutex
	paths   []string
	account string
}

func (p *memPlanner) Plan(_ context.Context, account, method, path string, _ []byte, newIDs int) ([]int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paths = append(p.paths, method+" "+path)
	p.account = account
	ids := make([]int64, newIDs)
	for i := range ids {
		ids[i] = int64(len(p.paths))
	}
	return ids, nil
}

func TestShadowPlans1CWrites(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		w.Write([]byte(`{"client_id_1C":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"live"}`))
	}))
	defer srv.Close()
	p := &memPlanner{}
	c := New(config.OneC{BaseURL: srv.URL + "/base/"}).Shadow(p, func(string) bool { return true })

	var created, updated GUID
	var read *Student
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	act := func(ctx context.Context) error {
		var err error
		if created, err = c.EditStudent(ctx, Student{Name: "Мария"}); err != nil {
			return err
		}
		if updated, err = c.EditStudent(ctx, Student{ClientID: "3f2504e0-4f89-11d3-9a0c-0305e82c3302", Name: "Мария"}); err != nil {
			return err
		}
		if err = c.ChangeResponsible(ctx, "contract", "otv"); err != nil {
			return err
		}
		read, err = c.GetStudent(ctx, "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
		return err
	}
	env.RegisterActivity(act)
	if _, err := env.ExecuteActivity(act); err != nil {
		t.Fatal(err)
	}
	if !created.IsShadow() || !created.Valid() {
		t.Errorf("a planned create answered %q; want a made-up valid GUID", created)
	}
	if updated != "3f2504e0-4f89-11d3-9a0c-0305e82c3302" {
		t.Errorf("a planned update answered %q; want the GUID it names", updated)
	}
	if read == nil || read.Name != "live" {
		t.Errorf("the read did not reach 1C: %+v", read)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen["GET /base/EditStudent"] != 1 {
		t.Errorf("1C saw %v; want the one read", seen)
	}
	if p.account != "1c" || len(p.paths) != 3 || p.paths[0] != "POST EditStudent" || p.paths[2] != "POST lk_editdata" {
		t.Errorf("planned %v under %q", p.paths, p.account)
	}

	// Outside an activity a shadowed write is refused, not retried.
	_, err := c.EditStudent(context.Background(), Student{Name: "x"})
	if err == nil || IsRetryable(err) {
		t.Errorf("a write outside an activity: %v; want a permanent refusal", err)
	}
}
