package activities

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
)

// hookCreds is a Credentials that hands out one token of the fake.
type hookCreds string

func (s hookCreds) Credential(context.Context) (amocrm.Credential, error) {
	return amocrm.Credential{AccessToken: string(s), ExpiresAt: time.Now().Add(time.Hour)}, nil
}

func (s hookCreds) Renew(ctx context.Context, _ amocrm.Credential) (amocrm.Credential, error) {
	return s.Credential(ctx)
}

const hookSub = "corp"

func hookClient(t *testing.T) (*amocrm.Client, *amofake.Server) {
	t.Helper()
	fake := amofake.New(amofake.Config{RPS: -1, Accounts: []amofake.AccountConfig{{
		Subdomain: hookSub, AccountID: 19453687,
		Users:      []amofake.User{{ID: 2375146, Name: "Admin"}},
		LeadFields: []int64{752191, 748383},
	}}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	tok := fake.IssueToken(hookSub, time.Hour)
	return amocrm.New(amocrm.Account{Name: "corp", BaseURL: srv.URL + "/" + hookSub, RPS: 1000}, hookCreds(tok.AccessToken)), fake
}

func TestFindLeadByFieldVerifiesTheFuzzyHits(t *testing.T) {
	c, fake := hookClient(t)
	a := &Amo{Clients: map[string]*amocrm.Client{"corp": c}}
	fake.AddLead(hookSub, amofake.Lead{Name: "near miss", PipelineID: 1, CustomFields: []amofake.FieldValue{amofake.Text(752191, "312345678")}})
	fake.AddLead(hookSub, amofake.Lead{Name: "other field", PipelineID: 1, CustomFields: []amofake.FieldValue{amofake.Text(748383, "31234567")}})
	want := fake.AddLead(hookSub, amofake.Lead{Name: "ours", PipelineID: 2, CustomFields: []amofake.FieldValue{amofake.Text(752191, "31234567")}})
	m := Marker{FieldID: 752191, Value: "31234567"}
	got, err := a.FindLeadByField(context.Background(), FindLeadInput{Account: "corp", Marker: m})
	if err != nil || got.ID != want {
		t.Fatalf("found %d %v, want %d", got.ID, err, want)
	}
	if got, _ := a.FindLeadByField(context.Background(), FindLeadInput{Account: "corp", Marker: m, PipelineID: 1}); got.ID != 0 {
		t.Fatalf("pipeline filter: found %d", got.ID)
	}
}

func TestCreateLinkedLeadLinksEveryContactAndChecksItsMarkerOnRetry(t *testing.T) {
	c, fake := hookClient(t)
	ctx := context.Background()
	c1 := fake.AddContact(hookSub, amofake.Contact{Name: "one"})
	c2 := fake.AddContact(hookSub, amofake.Contact{Name: "two"})
	co := fake.AddCompany(hookSub, amofake.Company{Name: "co"})
	in := NewLeadInput{Account: "corp", Name: "L", PipelineID: 5, ResponsibleID: 2375146, ContactIDs: []int64{c1, c2}, CompanyID: co,
		Fields: []FieldValues{{ID: 752191, Values: []FieldValue{{Value: int64(777)}}}}, Tags: []Tag{{Name: "new tag"}}, Marker: Marker{FieldID: 752191, Value: "777"}}
	created, err := createLinkedLead(ctx, c, in, false)
	if err != nil || created.LeadID == 0 || created.ContactID != c1 {
		t.Fatalf("created %+v %v", created, err)
	}
	l, _ := fake.Lead(hookSub, created.LeadID)
	if !slices.Equal(l.ContactIDs, []int64{c1, c2}) || !slices.Equal(l.CompanyIDs, []int64{co}) || amofake.FirstValue(l.CustomFields, 752191) != "777" {
		t.Fatalf("lead = %+v", l)
	}
	// A retried attempt (the first one's answer was lost) finds it.
	fake.ResetCalls()
	again, err := createLinkedLead(ctx, c, in, true)
	if err != nil || !again.Found || again.LeadID != created.LeadID || fake.CallCount(hookSub, "POST /api/v4/leads") != 0 {
		t.Fatalf("retry: %+v %v", again, err)
	}
	// A retried attempt that finds nothing creates, with a new contact in one request.
	in.Marker.Value, in.Fields = "778", []FieldValues{{ID: 752191, Values: []FieldValue{{Value: int64(778)}}}}
	in.ContactIDs, in.NewContact = nil, &NewContact{FirstName: "Ольга", Phone: "+79165551234"}
	made, err := createLinkedLead(ctx, c, in, true)
	if err != nil || made.Found || made.ContactID == 0 || fake.CallCount(hookSub, "POST /api/v4/leads/complex") != 1 {
		t.Fatalf("create with a new contact: %+v %v", made, err)
	}
}

func TestAddNotesAddsOnlyTheMissingOnRetry(t *testing.T) {
	c, fake := hookClient(t)
	ctx := context.Background()
	lead := fake.AddLead(hookSub, amofake.Lead{Name: "L"})
	notes := []NoteCard{
		{EntityID: lead, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: "first"}},
		{EntityID: lead, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: "second"}},
	}
	in := AddNotesInput{Account: "corp", Entity: "leads", Notes: notes}
	// The first attempt added only the first note (say), then failed.
	first, err := addNotes(ctx, c, AddNotesInput{Account: "corp", Entity: "leads", Notes: notes[:1]}, false)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := addNotes(ctx, c, in, true)
	if err != nil || len(ids) != 2 || ids[0] != first[0] || ids[1] == 0 {
		t.Fatalf("ids = %v %v", ids, err)
	}
	if n := len(fake.Notes(hookSub, "leads")); n != 2 {
		t.Fatalf("notes = %d, want 2", n)
	}
	// Everything there: a retry adds nothing.
	fake.ResetCalls()
	if again, err := addNotes(ctx, c, in, true); err != nil || !slices.Equal(again, ids) || fake.CallCount(hookSub, "POST /api/v4/leads/notes") != 0 {
		t.Fatalf("again = %v %v", again, err)
	}
	if _, err := addNotes(ctx, c, AddNotesInput{Entity: "leads", Notes: make([]NoteCard, 51)}, false); err == nil {
		t.Fatal("more than 50 notes in one request")
	}
}

// TestCreateFormLeadTakesTheOneLeadPath: a site form's lead goes through the
// same creation as the webhook flows' (createLead): an existing contact is
// linked as the main one by POST /leads, a new one comes with the lead in
// one POST /leads/complex, and a retried attempt finds the lead it made.
func TestCreateFormLeadTakesTheOneLeadPath(t *testing.T) {
	c, fake := hookClient(t)
	ctx := context.Background()
	since := time.Now().Add(-time.Minute)
	ct := fake.AddContact(hookSub, amofake.Contact{Name: "one"})
	in := CreateLeadInput{Account: "corp", Name: "Form", PipelineID: 5, ResponsibleID: 2375146, Fields: map[int64]string{752191: "site"},
		Tags: []Tag{{Name: "mzpo-s.ru"}}, ContactID: ct, Since: since}
	created, err := createFormLead(ctx, c, in, false)
	if err != nil || created.LeadID == 0 || created.ContactID != ct || fake.CallCount(hookSub, "POST /api/v4/leads") != 1 {
		t.Fatalf("created %+v %v", created, err)
	}
	l, _ := fake.Lead(hookSub, created.LeadID)
	if !slices.Equal(l.ContactIDs, []int64{ct}) || amofake.FirstValue(l.CustomFields, 752191) != "site" {
		t.Fatalf("lead = %+v", l)
	}
	fake.ResetCalls()
	again, err := createFormLead(ctx, c, in, true)
	if err != nil || !again.Found || again.LeadID != created.LeadID || fake.CallCount(hookSub, "POST /api/v4/leads") != 0 {
		t.Fatalf("retry: %+v %v", again, err)
	}
	in.ContactID, in.NewContact = 0, &NewContact{FirstName: "Ольга", Phone: "+79165551235"}
	made, err := createFormLead(ctx, c, in, false)
	if err != nil || made.ContactID == 0 || made.ContactID == ct || fake.CallCount(hookSub, "POST /api/v4/leads/complex") != 1 {
		t.Fatalf("create with a new contact: %+v %v", made, err)
	}
}
