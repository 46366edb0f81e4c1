package amocrm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"
)

// memPlanner records planned writes in memory and numbers new ids from 1.
type memPlanner struct {
	mu     sync.Mutex
	writes []plannedWrite
	next   int64
}

type plannedWrite struct {
	account, method, path string
	body                  []byte
	ids                   []int64
}

func (p *memPlanner) Plan(_ context.Context, account, method, path string, body []byte, newIDs int) ([]int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []int64
	for range newIDs {
		p.next++
		ids = append(ids, p.next)
	}
	p.writes = append(p.writes, plannedWrite{account, method, path, body, ids})
	return ids, nil
}

// inActivity runs fn as a Temporal activity (so the context carries the
// activity's identity, as in a worker) and returns its error.
func inActivity(t *testing.T, fn func(ctx context.Context) error) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	act := func(ctx context.Context) error { return fn(ctx) }
	env.RegisterActivity(act)
	_, err := env.ExecuteActivity(act)
	return err
}

// shadowClient is a client in shadow mode whose server counts requests by
// method; shadows decides per flow.
func shadowClient(t *testing.T, shadows func(string) bool) (*Client, *memPlanner, map[string]int, *sync.Mutex) {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int{}
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method]++
		mu.Unlock()
		switch {
		case r.Method != http.MethodGet:
			writeJSON(w, http.StatusOK, map[string]any{"_embedded": map[string]any{"notes": []map[string]any{{"id": 77}}}})
		case strings.HasPrefix(r.URL.Path, "/api/v4/leads/"):
			writeJSON(w, http.StatusOK, map[string]any{"id": 5, "name": "live"})
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	p := &memPlanner{}
	WithShadow(p, shadows)(c)
	return c, p, seen, &mu
}

func TestShadowPlansWritesAndReadsLive(t *testing.T) {
	c, p, seen, mu := shadowClient(t, func(string) bool { return true })
	var created []ComplexResult
	var notes []Note
	var lead *Lead
	err := inActivity(t, func(ctx context.Context) error {
		var err error
		if lead, err = c.Lead(ctx, 5); err != nil {
			return err
		}
		created, err = c.AddLeadsComplex(ctx, []Lead{{Name: "Заявка", PipelineID: 1, Embedded: &LeadEmbedded{
			Contacts: []Contact{{FirstName: "Мария", CustomFieldsValues: CustomFields{{FieldCode: "PHONE", Values: []Value{{Value: "+79161234567"}}}}}},
		}}})
		if err != nil {
			return err
		}
		notes, err = c.AddNotes(ctx, EntityLeads, []Note{CommonNote(created[0].ID, "Перезвоните")})
		if err != nil {
			return err
		}
		_, err = c.UpdateLeads(ctx, []Lead{{ID: 5, StatusID: 142}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[http.MethodGet] != 1 || len(seen) != 1 {
		t.Errorf("the account saw %v; want the one read and no write", seen)
	}
	if lead.Name != "live" {
		t.Errorf("read answered %q from the shadow, want the live lead", lead.Name)
	}
	if len(created) != 1 || !IsShadowID(created[0].ID) || !IsShadowID(created[0].ContactID) || created[0].ID == created[0].ContactID {
		t.Fatalf("complex create answered %+v; want a made-up lead and contact id", created)
	}
	if len(notes) != 1 || !IsShadowID(notes[0].ID) || notes[0].EntityID != created[0].ID {
		t.Errorf("note answered %+v; want a made-up id on the made-up lead", notes)
	}
	if len(p.writes) != 3 {
		t.Fatalf("planned %d writes, want 3", len(p.writes))
	}
	want := []string{"POST /api/v4/leads/complex", "POST /api/v4/leads/notes", "PATCH /api/v4/leads"}
	for i, w := range p.writes {
		if got := w.method + " " + w.path; got != want[i] || w.account != "retail" {
			t.Errorf("write %d: %s of %s, want %s of retail", i, got, w.account, want[i])
		}
	}
	var body []map[string]any
	if err := json.Unmarshal(p.writes[2].body, &body); err != nil || len(body) != 1 || body[0]["status_id"] != float64(142) {
		t.Errorf("the planned PATCH body is %s", p.writes[2].body)
	}
	if len(p.writes[2].ids) != 0 {
		t.Errorf("an update drew %d new ids", len(p.writes[2].ids))
	}
}

func TestShadowRefusesWritesOutsideAnActivity(t *testing.T) {
	c, p, seen, mu := shadowClient(t, func(string) bool { return true })
	_, err := c.AddNotes(context.Background(), EntityLeads, []Note{CommonNote(1, "x")})
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || IsRetryable(err) {
		t.Fatalf("a write outside an activity gave %v; want a permanent 400", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(p.writes) != 0 || seen[http.MethodPost] != 0 {
		t.Errorf("planned %d, sent %d", len(p.writes), seen[http.MethodPost])
	}
}

func TestShadowOnlyTheListedFlows(t *testing.T) {
	var flows []string
	c, p, seen, mu := shadowClient(t, func(flow string) bool {
		flows = append(flows, flow)
		return flow == "CreateLeadFromForm"
	})
	err := inActivity(t, func(ctx context.Context) error {
		_, err := c.AddNotes(ctx, EntityLeads, []Note{CommonNote(1, "x")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(p.writes) != 0 || seen[http.MethodPost] != 1 {
		t.Errorf("a flow not listed: planned %d, sent %d; want it sent", len(p.writes), seen[http.MethodPost])
	}
	if len(flows) != 1 || flows[0] == "" {
		t.Errorf("shadows asked about %q; want the activity's workflow type", flows)
	}
}

func TestShadowAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		newIDs                   int
		status                   int
		check                    func(t *testing.T, answer []byte)
	}{
		{"complex with existing contact", "POST", "/api/v4/leads/complex", `[{"name":"a","_embedded":{"contacts":[{"id":42}]}}]`, 1, 200,
			func(t *testing.T, a []byte) {
				var got []ComplexResult
				if err := json.Unmarshal(a, &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].ID != ShadowIDBase+1 || got[0].ContactID != 42 || got[0].CompanyID != 0 {
					t.Errorf("got %s", a)
				}
			}},
		{"complex with new contact and company", "POST", "/api/v4/leads/complex", `[{"_embedded":{"contacts":[{"name":"x"}],"companies":[{"name":"y"}]}}]`, 3, 200,
			func(t *testing.T, a []byte) {
				var got []ComplexResult
				if err := json.Unmarshal(a, &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].ID != ShadowIDBase+1 || got[0].ContactID != ShadowIDBase+2 || got[0].CompanyID != ShadowIDBase+3 {
					t.Errorf("got %s", a)
				}
			}},
		{"batch create keeps given ids", "POST", "/api/v4/contacts", `[{"name":"a"},{"id":7,"name":"b"}]`, 1, 200,
			func(t *testing.T, a []byte) {
				var p page
				if err := json.Unmarshal(a, &p); err != nil {
					t.Fatal(err)
				}
				var got []Contact
				if err := json.Unmarshal(p.Embedded["contacts"], &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].ID != ShadowIDBase+1 || got[1].ID != 7 {
					t.Errorf("got %s", a)
				}
			}},
		{"update draws nothing", "PATCH", "/api/v4/leads", `[{"id":5,"status_id":142}]`, 0, 200,
			func(t *testing.T, a []byte) {
				var p page
				if err := json.Unmarshal(a, &p); err != nil {
					t.Fatal(err)
				}
				var got []Lead
				if err := json.Unmarshal(p.Embedded["leads"], &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].ID != 5 {
					t.Errorf("got %s", a)
				}
			}},
		{"link", "POST", "/api/v4/leads/9/link", `[{"to_entity_id":3,"to_entity_type":"contacts"}]`, 0, 200,
			func(t *testing.T, a []byte) {
				var p page
				if err := json.Unmarshal(a, &p); err != nil {
					t.Fatal(err)
				}
				var got []Link
				if err := json.Unmarshal(p.Embedded["links"], &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].EntityID != 9 || got[0].EntityType != "leads" || got[0].ToEntityID != 3 {
					t.Errorf("got %s", a)
				}
			}},
		{"catalog element patch", "PATCH", "/api/v4/catalogs/1/elements/4", `{"id":4,"name":"c"}`, 0, 200,
			func(t *testing.T, a []byte) {
				var got CatalogElement
				if err := json.Unmarshal(a, &got); err != nil {
					t.Fatal(err)
				}
				if got.ID != 4 || got.Name != "c" {
					t.Errorf("got %s", a)
				}
			}},
		{"v2 delete", "POST", "/api/v2/catalog_elements", `{"delete":[1]}`, 0, 200, nil},
		{"accept unsorted", "POST", "/api/v4/leads/unsorted/u1/accept", ``, 0, 200, nil},
		{"delete", "DELETE", "/api/v4/leads/1", ``, 0, 204, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planAnswer(tc.method, tc.path, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if plan.newIDs != tc.newIDs {
				t.Fatalf("needs %d ids, want %d", plan.newIDs, tc.newIDs)
			}
			var nums []int64
			for i := range plan.newIDs {
				nums = append(nums, int64(i+1))
			}
			status, answer, err := ShadowAnswer(tc.method, tc.path, []byte(tc.body), nums)
			if err != nil || status != tc.status {
				t.Fatalf("status %d, err %v; want %d", status, err, tc.status)
			}
			if tc.check != nil {
				tc.check(t, answer)
			}
		})
	}
	if _, err := planAnswer("POST", "/api/v4/leads", []byte(`"x"`)); err == nil {
		t.Error("a body neither array nor object was answered")
	}
}
