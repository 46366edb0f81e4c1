package amocrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// fakeCreds hands out "tok{version}" and bumps the version on Renew.
type fakeCreds struct {
	mu      sync.Mutex
	version int64
	renews  int
}

func (f *fakeCreds) Credential(context.Context) (Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Credential{AccessToken: "tok" + strconv.FormatInt(f.version, 10), Version: f.version}, nil
}

func (f *fakeCreds) Renew(_ context.Context, rejected Credential) (Credential, error) {
	f.mu.Lock()
	f.renews++
	if rejected.Version == f.version {
		f.version++
	}
	f.mu.Unlock()
	return f.Credential(context.Background())
}

// testClient serves h under /sub, the way amofake serves an account.
func testClient(t *testing.T, h http.HandlerFunc) (*Client, *fakeCreds) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/sub/", http.StripPrefix("/sub", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	creds := &fakeCreds{version: 1}
	c := New(Account{Name: "retail", BaseURL: srv.URL + "/sub"}, creds, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	return c, creds
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/hal+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestRequestHeaders(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok1" {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		if r.URL.Path != "/api/v4/leads/7" || r.URL.Query().Get("with") != "contacts,catalog_elements" {
			t.Errorf("got %s", r.URL)
		}
		writeJSON(w, 200, map[string]any{"id": 7, "name": "x", "custom_fields_values": []any{
			map[string]any{"field_id": 11, "values": []any{map[string]any{"value": 1751892369}}},
		}, "_embedded": map[string]any{
			"tags":      []any{map[string]any{"id": 5, "name": "site"}},
			"contacts":  []any{map[string]any{"id": 2}, map[string]any{"id": 3, "is_main": true}},
			"companies": []any{map[string]any{"id": 9}},
		}})
	})
	l, err := c.Lead(context.Background(), 7, "contacts", "catalog_elements")
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != 7 || l.FieldValue(11) != "1751892369" || l.CompanyID() != 9 || len(l.Tags()) != 1 {
		t.Fatalf("lead = %+v", l)
	}
	if ids := l.ContactIDs(); len(ids) != 2 || ids[0] != 3 {
		t.Fatalf("ContactIDs = %v, want main contact 3 first", ids)
	}
}

func TestNoContent(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html") // a body that would not parse
		w.WriteHeader(http.StatusNoContent)
	})
	ctx := context.Background()
	got, err := c.SearchContacts(ctx, "79161234567", "leads")
	if err != nil || got != nil {
		t.Fatalf("search on 204 = %v, %v; want nil, nil", got, err)
	}
	_, err = c.Lead(ctx, 1)
	if !errors.Is(err, ErrNotFound) || IsRetryable(err) {
		t.Fatalf("get on 204 = %v; want ErrNotFound, permanent", err)
	}
	if notes, err := c.Notes(ctx, EntityLeads, 1, NoteCommon); err != nil || notes != nil {
		t.Fatalf("notes on 204 = %v, %v", notes, err)
	}
}

func TestPagination(t *testing.T) {
	var pages []string
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		pages = append(pages, r.URL.Query().Get("page"))
		if r.URL.Query().Get("limit") != "250" {
			t.Errorf("limit = %q", r.URL.Query().Get("limit"))
		}
		switch r.URL.Query().Get("page") {
		case "":
			// amoCRM's links are absolute and name amoCRM's host, without our
			// test server's path prefix: only the path and query are followed.
			writeJSON(w, 200, map[string]any{
				"_links":    map[string]any{"next": map[string]any{"href": "https://sub.amocrm.ru/api/v4/contacts?page=2&limit=250&query=x"}},
				"_embedded": map[string]any{"contacts": []any{map[string]any{"id": 1}, map[string]any{"id": 2}}},
			})
		case "2":
			writeJSON(w, 200, map[string]any{
				"_links":    map[string]any{"next": map[string]any{"href": "http://" + r.Host + "/sub/api/v4/contacts?page=3&limit=250&query=x"}},
				"_embedded": map[string]any{"contacts": []any{map[string]any{"id": 3}}},
			})
		case "3":
			w.WriteHeader(http.StatusNoContent)
		}
	})
	got, err := c.SearchContacts(context.Background(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].ID != 3 || strings.Join(pages, ",") != ",2,3" {
		t.Fatalf("got %d contacts over pages %q", len(got), pages)
	}
}

func TestPaginationStopsWithoutNext(t *testing.T) {
	calls := 0
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"users": []any{map[string]any{"id": 1, "rights": map[string]any{"is_active": true}}}}})
	})
	users, err := c.Users(context.Background())
	if err != nil || len(users) != 1 || !users[0].Rights.IsActive || calls != 1 {
		t.Fatalf("users = %+v, %v after %d calls", users, err, calls)
	}
}

func TestBatchesSplit(t *testing.T) {
	var sizes []int
	next := 1000
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		var in []Lead
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("body: %v", err)
		}
		sizes = append(sizes, len(in))
		var out []map[string]any
		for i, l := range in {
			next++
			out = append(out, map[string]any{"id": next, "request_id": strconv.Itoa(i), "name_seen": l.Name})
		}
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"leads": out}})
	})
	in := make([]Lead, 120)
	for i := range in {
		in[i].Name = fmt.Sprint(i)
	}
	got, err := c.AddLeads(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[50 50 20]" || len(got) != 120 || got[0].ID != 1001 || got[119].ID != 1120 {
		t.Fatalf("batches %v, %d results", sizes, len(got))
	}
	if got, err := c.AddLeads(context.Background(), nil); got != nil || err != nil || len(sizes) != 3 {
		t.Fatalf("empty input sent a request or failed: %v %v", got, err)
	}
}

func TestBatchErrorKeepsEarlierResults(t *testing.T) {
	n := 0
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"contacts": make([]map[string]any, 50)}})
	})
	got, err := c.AddContacts(context.Background(), make([]Contact, 60))
	if len(got) != 50 || !IsRetryable(err) {
		t.Fatalf("got %d, %v; want the first 50 and a retryable error", len(got), err)
	}
}

func TestComplexTopLevelArray(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v4/leads/complex" {
			t.Errorf("path %s", r.URL.Path)
		}
		writeJSON(w, 200, []any{map[string]any{"id": 9774766, "contact_id": 12117258, "company_id": 12117260, "request_id": []string{"1"}, "merged": false}})
	})
	got, err := c.AddLeadsComplex(context.Background(), []Lead{{Name: "x", Embedded: &LeadEmbedded{Contacts: []Contact{{Name: "c"}}}}})
	if err != nil || len(got) != 1 || got[0].ContactID != 12117258 || got[0].RequestID[0] != "1" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestUnauthorizedRenewsOnceAndReplaysBody(t *testing.T) {
	var bodies []string
	c, creds := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if r.Header.Get("Authorization") != "Bearer tok2" {
			writeJSON(w, 401, map[string]any{"title": "Unauthorized", "status": 401})
			return
		}
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"notes": []any{map[string]any{"id": 5}}}})
	})
	notes, err := c.AddNotes(context.Background(), EntityLeads, []Note{CommonNote(1, "hello")})
	if err != nil || len(notes) != 1 || notes[0].ID != 5 {
		t.Fatalf("got %v, %v", notes, err)
	}
	if creds.renews != 1 || len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], "hello") {
		t.Fatalf("renews=%d bodies=%q", creds.renews, bodies)
	}
}

func TestUnauthorizedTwiceIsRetryable(t *testing.T) {
	calls := 0
	c, creds := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeJSON(w, 401, map[string]any{"title": "Unauthorized", "status": 401, "detail": "Неверный логин или пароль"})
	})
	_, err := c.Contact(context.Background(), 1)
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 || !IsRetryable(err) || calls != 2 || creds.renews != 1 {
		t.Fatalf("err=%v calls=%d renews=%d; want one renewal, one retry, retryable 401", err, calls, creds.renews)
	}
}

func TestErrorClassification(t *testing.T) {
	html := "<html><head><title>429 Too Many Requests</title></head><body><center><h1>429</h1></center><hr><center>nginx</center>" + strings.Repeat(" ", 2000) + "</body></html>"
	validation := `{"validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"custom_fields_values.0.field_id","detail":"The value you selected is not a valid choice."}]}],"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed"}`
	tests := []struct {
		status    int
		body      string
		retryable bool
		notFound  bool
		want      string
	}{
		{429, html, true, false, "429 Too Many Requests (rate limited)"},
		{500, `{"title":"Internal Server Error"}`, true, false, "500 Internal Server Error: Internal Server Error"},
		{503, html, true, false, "503"},
		{504, "", true, false, "504"},
		{400, validation, false, false, "400 Bad Request: request 0: custom_fields_values.0.field_id: NotSupportedChoice (The value you selected is not a valid choice.)"},
		{403, `{"title":"Forbidden","status":403}`, false, false, "403 Forbidden (account blocked or access denied)"},
		{404, `{"title":"Not Found"}`, false, true, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.SearchContacts(context.Background(), "+79161234567")
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("err = %#v", err)
			}
			if IsRetryable(err) != tt.retryable || errors.Is(err, ErrNotFound) != tt.notFound {
				t.Fatalf("%v: retryable=%v notFound=%v", err, IsRetryable(err), errors.Is(err, ErrNotFound))
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "amocrm: GET /api/v4/contacts: ") {
				t.Fatalf("message %q lacks %q", msg, tt.want)
			}
			if strings.Contains(msg, "7916") || strings.Contains(msg, "<html") {
				t.Fatalf("message leaks the query or HTML: %q", msg)
			}
			if len(e.Body) > maxErrorBody+len("…") {
				t.Fatalf("body not truncated: %d bytes", len(e.Body))
			}
			if tt.status == 400 && (len(e.Validation) != 1 || e.Validation[0].Code != "NotSupportedChoice") {
				t.Fatalf("validation = %+v", e.Validation)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // connection refused
	c := New(Account{Name: "retail", BaseURL: srv.URL}, &fakeCreds{}, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	_, err := c.SearchContacts(context.Background(), "+79161234567")
	if !IsRetryable(err) || strings.Contains(err.Error(), "7916") {
		t.Fatalf("refused: %v (retryable %v); want retryable, no query in message", err, IsRetryable(err))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Lead(ctx, 1); IsRetryable(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v; want permanent context.Canceled", err)
	}
	if IsRetryable(&ReauthError{Account: "retail", Reason: "x"}) || IsRetryable(errors.New("x")) {
		t.Fatal("ReauthError and unknown errors must be permanent")
	}
}

func TestTooManyRequestsPausesTheAccount(t *testing.T) {
	calls := 0
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, _ = c.User(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.User(ctx, 1); err == nil || calls != 1 {
		t.Fatalf("second call within the pause reached the server (calls=%d, err=%v)", calls, err)
	}
}

func TestCatalogDeleteUsesV2(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/api/v2/catalog_elements" || !bytes.Equal(b, []byte(`{"delete":[4,5]}`)) {
			t.Errorf("%s %s %s", r.Method, r.URL.Path, b)
		}
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"items": []any{}}})
	})
	if err := c.DeleteCatalogElements(context.Background(), []int64{4, 5}); err != nil {
		t.Fatal(err)
	}
}

func TestCustomFieldHelpers(t *testing.T) {
	var ct Contact
	if err := json.Unmarshal([]byte(`{"id":1,"custom_fields_values":[
		{"field_id":900001,"field_code":"PHONE","values":[{"value":"+79161234567","enum_code":"WORK"},{"value":"84951234567","enum_code":"MOB"}]},
		{"field_id":900002,"field_code":"EMAIL","values":[{"value":"a@b.c","enum_code":"WORK"}]},
		{"field_id":5,"values":[{"value":12.5}]}]}`), &ct); err != nil {
		t.Fatal(err)
	}
	if p := ct.Phones(); len(p) != 2 || p[1] != "84951234567" {
		t.Fatalf("Phones = %v", p)
	}
	if e := ct.Emails(); len(e) != 1 || ct.FieldValue(5) != "12.5" || ct.FieldValue(6) != "" {
		t.Fatalf("Emails = %v, field 5 = %q", e, ct.FieldValue(5))
	}
	cf := ct.CustomFieldsValues.Set(TextField(5, "x")).Set(ClearField(7))
	b, _ := json.Marshal(cf[2:])
	if cf.Value(5) != "x" || string(b) != `[{"field_id":5,"values":[{"value":"x"}]},{"field_id":7,"values":null}]` {
		t.Fatalf("after Set: %s", b)
	}
}

func TestEvents(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("limit") != "100" || q.Get("filter[entity]") != "lead" || q.Get("filter[entity_id][]") != "5" || q.Get("filter[type][]") != "lead_status_changed" {
			t.Errorf("query %v", q)
		}
		writeJSON(w, 200, map[string]any{"_embedded": map[string]any{"events": []any{map[string]any{
			"id": "01abc", "type": "lead_status_changed", "entity_id": 5, "entity_type": "lead",
			"value_before": []any{map[string]any{"lead_status": map[string]any{"id": 32532880, "pipeline_id": 3198184}}},
			"value_after":  []any{map[string]any{"lead_status": map[string]any{"id": 142, "pipeline_id": 3198184}}},
		}}}})
	})
	ev, err := c.EventsFor(context.Background(), "lead", 5, "lead_status_changed")
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v, %v", ev, err)
	}
	p, s, ok := ev[0].StatusBefore()
	_, after, _ := ev[0].StatusAfter()
	if !ok || p != 3198184 || s != 32532880 || after != StatusWon {
		t.Fatalf("before %d/%d %v, after %d", p, s, ok, after)
	}
}
