package amocrm

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"amoflow/amofake"
	"amoflow/store/storetest"
)

const (
	leadField = 645583
	catalogID = 12463
)

// fakeClient is a client of a fresh amofake account, authorized through
// ExchangeCode, without a rate limit unless rps is set.
func fakeClient(t *testing.T, rps int, opts ...Option) (*Client, *amofake.Server) {
	t.Helper()
	fake := amofake.New(amofake.Config{RPS: rps, Accounts: []amofake.AccountConfig{{
		Subdomain: fakeSub, AccountID: 28395871, ClientID: "cid", ClientSecret: "secret",
		Users:      []amofake.User{{ID: 2576764, Name: "Manager", Email: "m@example.com"}},
		LeadFields: []int64{leadField}, CatalogIDs: []int64{catalogID},
	}}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	db := storetest.New(t)
	acct := fakeAccount(srv.URL + "/" + fakeSub)
	if err := ExchangeCode(context.Background(), db, acct, "code"); err != nil {
		t.Fatal(err)
	}
	if rps < 0 {
		opts = append([]Option{WithLimiter(rate.NewLimiter(rate.Inf, 1))}, opts...)
	}
	return New(acct, NewTokenSource(db, acct), opts...), fake
}

func TestAgainstFake(t *testing.T) {
	c, fake := fakeClient(t, -1)
	ctx := context.Background()

	// 120 contacts: three create requests, three pages of 50 on the way back.
	in := make([]Contact, 120)
	for i := range in {
		in[i] = Contact{Name: fmt.Sprintf("Contact %d", i), CustomFieldsValues: CustomFields{{
			FieldCode: "PHONE", Values: []Value{{Value: fmt.Sprintf("+7916%07d", i), EnumCode: "WORK"}}}}}
	}
	created, err := c.AddContacts(ctx, in)
	if err != nil || len(created) != 120 || created[0].ID == 0 {
		t.Fatalf("AddContacts: %d, %v", len(created), err)
	}
	if n := fake.CallCount(fakeSub, "POST /api/v4/contacts"); n != 3 {
		t.Fatalf("%d create requests, want 3", n)
	}
	all, err := c.ListContacts(ctx, url.Values{"limit": {"50"}})
	if err != nil || len(all) != 120 || fake.CallCount(fakeSub, "GET /api/v4/contacts") != 3 {
		t.Fatalf("ListContacts: %d, %v after %d requests", len(all), err, fake.CallCount(fakeSub, "GET /api/v4/contacts"))
	}
	byID, err := c.ContactsByID(ctx, []int64{created[5].ID, created[7].ID})
	if err != nil || len(byID) != 2 {
		t.Fatalf("ContactsByID: %v, %v", byID, err)
	}
	hits, err := c.SearchContacts(ctx, "+79160000042", "leads")
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v, %v", hits, err)
	}
	if found := hits[0].Phones(); len(found) == 0 {
		t.Fatalf("hit without phones: %+v", hits[0])
	}
	if hits, err := c.SearchContacts(ctx, "nobody-has-this"); hits != nil || err != nil {
		t.Fatalf("empty search: %v, %v; want nil, nil", hits, err)
	}
	if _, err := c.Contact(ctx, 999999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing contact: %v", err)
	}

	// A lead with its contact in one request.
	res, err := c.AddLeadsComplex(ctx, []Lead{{
		Name: "Заявка с сайта", Price: 100,
		CustomFieldsValues: CustomFields{TextField(leadField, "site")},
		Embedded: &LeadEmbedded{
			Tags:     []Tag{{Name: "site"}},
			Contacts: []Contact{{Name: "Иван", CustomFieldsValues: CustomFields{{FieldCode: "PHONE", Values: []Value{{Value: "+79990000001"}}}}}},
		},
	}})
	if err != nil || len(res) != 1 || res[0].ID == 0 || res[0].ContactID == 0 {
		t.Fatalf("complex: %+v, %v", res, err)
	}
	lead, err := c.Lead(ctx, res[0].ID, "contacts")
	if err != nil || lead.FieldValue(leadField) != "site" || len(lead.Tags()) != 1 ||
		len(lead.ContactIDs()) != 1 || lead.ContactIDs()[0] != res[0].ContactID {
		t.Fatalf("lead: %+v, %v", lead, err)
	}
	if _, err := c.UpdateLeads(ctx, []Lead{{ID: lead.ID, StatusID: StatusWon}}); err != nil {
		t.Fatal(err)
	}
	// The stage entries of a page of events (the paid dashboard's read),
	// and a page of leads by id.
	into := url.Values{"filter[type]": {"lead_status_changed"},
		"filter[value_after][leads_statuses][0][pipeline_id]": {strconv.FormatInt(lead.PipelineID, 10)},
		"filter[value_after][leads_statuses][0][status_id]":   {strconv.Itoa(StatusWon)}}
	evs, more, err := c.EventsPage(ctx, into, 1)
	if _, st, _ := firstStatusAfter(evs); err != nil || more || len(evs) != 1 || evs[0].EntityID != lead.ID || st != StatusWon {
		t.Fatalf("EventsPage: %+v %v %v", evs, more, err)
	}
	into.Set("filter[value_after][leads_statuses][0][status_id]", strconv.Itoa(StatusLost))
	if evs, more, err := c.EventsPage(ctx, into, 1); err != nil || more || len(evs) != 0 {
		t.Fatalf("EventsPage into another stage: %+v %v %v", evs, more, err)
	}
	leadsByID, more, err := c.LeadsPage(ctx, url.Values{"filter[id][]": {strconv.FormatInt(lead.ID, 10)}}, 1)
	if err != nil || more || len(leadsByID) != 1 || leadsByID[0].StatusID != StatusWon {
		t.Fatalf("LeadsPage by id: %+v %v %v", leadsByID, more, err)
	}

	// A field the account does not have: a readable, permanent 400.
	_, err = c.AddLeads(ctx, []Lead{{Name: "x", CustomFieldsValues: CustomFields{TextField(1, "y")}}})
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || len(e.Validation) == 0 || IsRetryable(err) {
		t.Fatalf("unknown field: %v", err)
	}

	notes, err := c.AddNotes(ctx, EntityLeads, []Note{CommonNote(lead.ID, "hello"), ServiceMessage(lead.ID, "amoflow", "sync")})
	if err != nil || len(notes) != 2 {
		t.Fatalf("AddNotes: %v, %v", notes, err)
	}
	got, err := c.Notes(ctx, EntityLeads, lead.ID, NoteCommon)
	if err != nil || len(got) != 1 || got[0].Params.Text != "hello" {
		t.Fatalf("Notes: %+v, %v", got, err)
	}

	if _, err := c.AddTasks(ctx, []Task{{Text: "call", EntityID: lead.ID, EntityType: EntityLeads,
		TaskTypeID: TaskCall, CompleteTill: time.Now().Add(time.Hour).Unix()}}); err != nil {
		t.Fatal(err)
	}
	if tasks, err := c.TasksFor(ctx, EntityLeads, lead.ID); err != nil || len(tasks) != 1 {
		t.Fatalf("tasks: %v, %v", tasks, err)
	}

	els, err := c.AddCatalogElements(ctx, catalogID, []CatalogElement{{Name: "Курс массажа"}})
	if err != nil || len(els) != 1 {
		t.Fatalf("AddCatalogElements: %v, %v", els, err)
	}
	if _, err := c.UpdateCatalogElement(ctx, catalogID, CatalogElement{ID: els[0].ID, Name: "Курс массажа (онлайн)"}); err != nil {
		t.Fatal(err)
	}
	if found, err := c.CatalogElements(ctx, catalogID, "онлайн"); err != nil || len(found) != 1 {
		t.Fatalf("catalog search: %v, %v", found, err)
	}
	if _, err := c.Link(ctx, EntityLeads, lead.ID, []Link{{ToEntityID: els[0].ID, ToEntityType: EntityCatalogElements,
		Metadata: &LinkMetadata{CatalogID: catalogID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	links, err := c.Links(ctx, EntityLeads, lead.ID)
	if err != nil || len(links) != 2 { // the contact and the course
		t.Fatalf("links: %+v, %v", links, err)
	}
	if err := c.DeleteCatalogElements(ctx, []int64{els[0].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CatalogElement(ctx, catalogID, els[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted element: %v", err)
	}

	if tags, err := c.Tags(ctx, EntityLeads, ""); err != nil || len(tags) == 0 {
		t.Fatalf("tags: %v, %v", tags, err)
	}
	if tags, err := c.AddTags(ctx, EntityLeads, "new-tag"); err != nil || len(tags) != 1 || tags[0].ID == 0 {
		t.Fatalf("AddTags: %v, %v", tags, err)
	}
	if u, err := c.User(ctx, 2576764); err != nil || !u.Rights.IsActive {
		t.Fatalf("user: %+v, %v", u, err)
	}
	if fields, err := c.ListCustomFields(ctx, EntityLeads); err != nil || len(fields) == 0 {
		t.Fatalf("custom fields: %v, %v", fields, err)
	}
}

func TestFaultsFromFake(t *testing.T) {
	c, fake := fakeClient(t, -1)
	ctx := context.Background()
	tests := []struct {
		faults    amofake.Faults
		status    int
		retryable bool
	}{
		{amofake.Faults{Force429: 1}, 429, true},
		{amofake.Faults{Force5xx: 1}, 502, true},
	}
	fake.SetFaults(fakeSub, amofake.Faults{Blocked: true})
	var blocked *BlockedError
	if _, err := c.Users(ctx); !errors.As(err, &blocked) || blocked.Account != "retail" || IsRetryable(err) {
		t.Errorf("blocked: %v, want a BlockedError (a pause, not an *Error)", err)
	}
	if _, ok := Paused(blocked); !ok {
		t.Error("a blocked account does not pause")
	}
	for _, tt := range tests {
		fake.SetFaults(fakeSub, tt.faults)
		_, err := c.Users(ctx)
		var e *Error
		if !errors.As(err, &e) || e.Status != tt.status || IsRetryable(err) != tt.retryable {
			t.Errorf("%+v: %v (retryable %v)", tt.faults, err, IsRetryable(err))
		}
		fake.SetFaults(fakeSub, amofake.Faults{})
		time.Sleep(time.Second) // the pause after a 429
	}

	// A 401 out of the blue: one refresh, one retry, success.
	fake.ResetCalls()
	fake.SetFaults(fakeSub, amofake.Faults{Force401: 1})
	if _, err := c.Users(ctx); err != nil {
		t.Fatal(err)
	}
	if r, u := fake.CallCount(fakeSub, tokenCall), fake.CallCount(fakeSub, usersCall); r != 1 || u != 2 {
		t.Fatalf("%d refreshes and %d calls, want 1 and 2", r, u)
	}

	// A revoked refresh token behind a 401: permanent, named.
	fake.RevokeRefreshTokens(fakeSub)
	fake.SetFaults(fakeSub, amofake.Faults{Force401: 1})
	if _, err := c.Users(ctx); !errors.Is(err, ErrReauthRequired) || IsRetryable(err) {
		t.Fatalf("revoked: %v", err)
	}
}

// TestLimiterKeepsUnderAmoLimit sends a burst through the default
// per-process limiter to a fake that answers 429 past 7 requests a second.
func TestLimiterKeepsUnderAmoLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes two seconds")
	}
	c, fake := fakeClient(t, 7)
	ctx := context.Background()
	for range 14 {
		if _, err := c.Users(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, call := range fake.Calls(fakeSub) {
		if call.Status == 429 {
			t.Fatal("got a 429 through the limiter")
		}
	}
}

// firstStatusAfter is the stage the first event entered.
func firstStatusAfter(evs []Event) (int64, int64, bool) {
	if len(evs) == 0 {
		return 0, 0, false
	}
	return evs[0].StatusAfter()
}
