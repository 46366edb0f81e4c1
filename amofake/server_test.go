package amofake

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RPS = 0 }) // the default, 7
	for i := 1; i <= 7; i++ {
		e.must(204, e.do("GET", "/retail/api/v4/leads", nil))
	}
	r := e.must(429, e.do("GET", "/retail/api/v4/leads", nil))
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "<html>") {
		t.Errorf("429 is not HTML: %s %s", ct, r.body)
	}
	if r.header.Get("Retry-After") != "" {
		t.Error("429 has a Retry-After header; amoCRM sends none")
	}
	// The budget is per account, and the token endpoint is outside it.
	e.must(204, e.doToken("GET", "/corp/api/v4/leads", e.fake.IssueToken(otherSub, 0).AccessToken, nil))
	e.must(400, e.doToken("POST", "/retail/oauth2/access_token", "", map[string]string{"client_id": "id", "client_secret": "secret"}))

	// A second later the window has moved on.
	e.clock.Add(time.Second)
	e.must(204, e.do("GET", "/retail/api/v4/leads", nil))

	calls := e.fake.Calls(sub)
	if got := calls[7]; got.Status != 429 || got.Path != "GET /api/v4/leads" || got.Method != "GET" {
		t.Errorf("call log entry of the refused request: %+v", got)
	}
}

func TestNoContent(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{
		"/retail/api/v4/leads",
		"/retail/api/v4/leads/123",
		"/retail/api/v4/contacts?query=nobody",
		"/retail/api/v4/contacts/5",
		"/retail/api/v4/companies?query=x",
		"/retail/api/v4/leads/1/notes",
		"/retail/api/v4/leads/1/links",
		"/retail/api/v4/catalogs/12463/elements?query=x",
		"/retail/api/v4/catalogs/12463/elements/1",
		"/retail/api/v4/users/1",
		"/retail/api/v4/tasks",
		"/retail/api/v2/catalog_elements?catalog_id=12463&id=1",
	} {
		r := e.do("GET", path, nil)
		if r.status != 204 || len(r.body) != 0 {
			t.Errorf("GET %s: %d %q, want 204 and no body", path, r.status, r.body)
		}
	}
	// An id of another kind or another account is missing too.
	cid := e.fake.AddContact(sub, Contact{Name: "x"})
	e.must(204, e.do("GET", "/retail/api/v4/leads/"+itoa(cid), nil))
	lid := e.fake.AddLead(otherSub, Lead{Name: "corp lead"})
	e.must(204, e.do("GET", "/retail/api/v4/leads/"+itoa(lid), nil))
}

func TestUnknownRoute(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(404, e.do("GET", "/retail/api/v4/nothing", nil))
	if !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
		t.Errorf("404 content type %q", r.header.Get("Content-Type"))
	}
	e.must(404, e.do("GET", "/nosuchaccount/api/v4/leads", nil))
	if n := e.fake.CallCount(sub, "GET /api/v4/nothing"); n != 1 {
		t.Errorf("unknown route logged %d times", n)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, nil)
	const leads = "/retail/api/v4/leads"

	e.fake.SetFaults(sub, Faults{Force429: 2, Force5xx: 1, Force401: 1})
	e.must(429, e.do("GET", leads, nil))
	e.must(429, e.do("GET", leads, nil))
	r := e.must(401, e.do("GET", leads, nil))
	if !strings.Contains(string(r.body), "Неверный логин или пароль") {
		t.Errorf("forced 401 body: %s", r.body)
	}
	r = e.must(502, e.do("GET", leads, nil))
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("5xx content type %q", r.header.Get("Content-Type"))
	}
	e.must(204, e.do("GET", leads, nil))
	if f := e.fake.CurrentFaults(sub); f.Force429 != 0 || f.Force401 != 0 || f.Force5xx != 0 {
		t.Errorf("counters left: %+v", f)
	}

	e.fake.SetFaults(sub, Faults{ErrorRate: 1})
	e.must(502, e.do("GET", leads, nil))
	e.must(502, e.doToken("POST", "/retail/oauth2/access_token", "", map[string]string{}))
	e.must(204, e.doToken("GET", "/corp/api/v4/leads", e.fake.IssueToken(otherSub, 0).AccessToken, nil))

	e.fake.SetFaults(sub, Faults{Blocked: true})
	r = e.must(403, e.do("GET", leads, nil))
	if !strings.Contains(string(r.body), "nginx") {
		t.Errorf("blocked body: %s", r.body)
	}

	// Latency: a client with a shorter timeout gives up; the fake logs 499.
	e.fake.SetFaults(sub, Faults{Latency: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+leads, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if _, err := e.srv.Client().Do(req); err == nil {
		t.Error("request under latency did not time out")
	}
	e.fake.SetFaults(sub, Faults{})
	deadline := time.Now().Add(2 * time.Second)
	for {
		calls := e.fake.Calls(sub)
		if last := calls[len(calls)-1]; last.Status == 499 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the abandoned request was not logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCallLog(t *testing.T) {
	e := newEnv(t, nil)
	id := e.fake.AddLead(sub, Lead{Name: "x"})
	e.must(200, e.do("GET", "/retail/api/v4/leads/"+itoa(id), nil))
	e.must(204, e.do("GET", "/retail/api/v4/leads/1", nil))
	e.must(204, e.do("GET", "/retail/api/v4/contacts?query=x", nil))
	if n := e.fake.CallCount(sub, "GET /api/v4/leads/{id}"); n != 2 {
		t.Errorf("GET /api/v4/leads/{id} counted %d", n)
	}
	if n := e.fake.CallCount(sub, "GET /api/v4/contacts"); n != 1 {
		t.Errorf("GET /api/v4/contacts counted %d", n)
	}
	calls := e.fake.Calls(sub)
	if len(calls) != 3 || calls[0].Status != 200 || calls[1].Status != 204 || !calls[0].Time.Equal(e.clock.Now()) {
		t.Errorf("calls = %+v", calls)
	}
	if len(e.fake.Calls(otherSub)) != 0 {
		t.Error("the other account logged calls")
	}
	e.fake.ResetCalls()
	if len(e.fake.Calls(sub)) != 0 || e.fake.CallCount(sub, "GET /api/v4/contacts") != 0 {
		t.Error("ResetCalls left calls")
	}
}

// TestConcurrent hammers one account from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	e := newEnv(t, nil)
	post := func(name string) error {
		req, _ := http.NewRequest("POST", e.srv.URL+"/retail/api/v4/contacts", strings.NewReader(`[{"name":"`+name+`"}]`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				if err := post(fmt.Sprintf("c%d-%d", i, j)); err != nil {
					t.Error(err)
				}
				e.fake.Contacts(sub)
			}
		}()
	}
	wg.Wait()
	if n := len(e.fake.Contacts(sub)); n != 40 {
		t.Errorf("%d contacts, want 40", n)
	}
}

func TestSearchLagHidesNewEntitiesFromSearchOnly(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetFaults(sub, Faults{SearchLag: time.Minute})
	id := e.fake.AddContact(sub, Contact{Name: "Свежий", CustomFields: []FieldValue{Phone("+79991234567")}})
	e.must(204, e.do("GET", "/retail/api/v4/contacts?query=9991234567", nil))
	e.must(200, e.do("GET", "/retail/api/v4/contacts/"+itoa(id), nil))
	e.clock.Add(time.Minute)
	r := e.must(200, e.do("GET", "/retail/api/v4/contacts?query=9991234567", nil))
	if !strings.Contains(string(r.body), itoa(id)) {
		t.Errorf("after the lag the search does not find %d: %s", id, r.body)
	}
}

// A dropped answer: the request took effect, the client got no answer, the
// call log says 444; the token endpoint is never dropped.
func TestDropRate(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetFaults(sub, Faults{DropRate: 1})
	req, _ := http.NewRequest("POST", e.srv.URL+"/retail/api/v4/leads", strings.NewReader(`[{"name":"dropped"}]`))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := e.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answer %d arrived, want the connection closed", resp.StatusCode)
	}
	if leads := e.fake.Leads(sub); len(leads) != 1 || leads[0].Name != "dropped" {
		t.Errorf("leads = %+v, want the dropped request's lead", leads)
	}
	if calls := e.fake.Calls(sub); len(calls) == 0 || calls[len(calls)-1].Status != 444 {
		t.Errorf("calls = %+v, want the last logged 444", calls)
	}
	e.must(401, e.doToken("POST", "/retail/oauth2/access_token", "", map[string]string{})) // answered, not dropped
	if f := e.fake.CurrentFaults(sub); f.DropRate != 1 {
		t.Errorf("faults = %+v", f)
	}
	e.fake.SetFaults(sub, Faults{})
	e.must(204, e.do("GET", "/retail/api/v4/leads?filter[id]=1", nil))
}
