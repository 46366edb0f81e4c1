package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"amoflow/activities"
	"amoflow/store"
)

// freeLeases makes every lease free and the index empty, for tests of what
// a flow does once it holds its lease (each test may override).
func freeLeases(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(leases.AcquireLeases, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnActivity(leases.ReleaseLeases, mock.Anything).Return(int64(1), nil).Maybe()
	env.OnActivity(leases.LookupKnown, mock.Anything, mock.Anything).Return(nil, nil).Maybe()
	env.OnActivity(leases.RememberKnown, mock.Anything, mock.Anything).Return(nil).Maybe()
}

func TestPersonKeysAreDigestsQualifiedByAccount(t *testing.T) {
	keys := leaseKeys("retail", personKeys("+79991234567", "anna@example.ru")...)
	if len(keys) != 2 || keys[0][:13] != "retail:phone:" || keys[1][:13] != "retail:email:" {
		t.Fatalf("keys = %v", keys)
	}
	for _, k := range keys {
		if len(k) != 13+16 {
			t.Errorf("key %q is not a 16-digit digest", k)
		}
	}
	if personKeys("+79991234567", "")[0] != personKeys("+79991234567", "x@y.z")[0] {
		t.Error("the phone key depends on the email")
	}
	if len(personKeys("", "")) != 0 {
		t.Error("keys for nothing")
	}
	if got := leaseKeys("corp", entityKey(HookEvent{Entity: "leads", ID: 7}), entityKey(HookEvent{Entity: "contacts", ID: 7})); got[0] != "corp:lead:7" || got[1] != "corp:contact:7" {
		t.Errorf("entity keys = %v", got)
	}
}

func TestKnownPersonRecordsOnlyTheKeysTheContactHas(t *testing.T) {
	ph, email := "+79991234567", "anna@example.ru"
	keys := personKeys(ph, email)
	cases := []struct {
		name   string
		person *activities.Contact
		want   []string
	}{
		{"created with both", nil, keys},
		{"found with both", &activities.Contact{ID: 20, Phones: []string{"8 999 123-45-67"}, Emails: []string{"Anna@Example.ru"}}, keys},
		{"found by phone only", &activities.Contact{ID: 20, Phones: []string{"+7 999 1234567"}}, keys[:1]},
		{"found by email only", &activities.Contact{ID: 20, Emails: []string{"anna@example.ru"}}, keys[1:]},
	}
	for _, c := range cases {
		got := knownPerson(ph, email, c.person, 20, 10)
		var gotKeys []string
		for _, k := range got {
			if k.ContactID != 20 || k.LeadID != 10 {
				t.Errorf("%s: entry %+v", c.name, k)
			}
			gotKeys = append(gotKeys, k.Key)
		}
		if len(gotKeys) != len(c.want) || (len(gotKeys) > 0 && gotKeys[0] != c.want[0]) {
			t.Errorf("%s: keys %v, want %v", c.name, gotKeys, c.want)
		}
	}
}

func TestFormOfAKnownPersonReadsTheRecordedContactInsteadOfSearching(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := testFlows()
	registerFlows(env, f)
	keys := personKeys("+79161234567", "maria@example.ru")
	env.OnActivity(leases.AcquireLeases, mock.Anything, activities.LeaseInput{Keys: leaseKeys("retail", keys...)}).Return(nil).Once()
	env.OnActivity(leases.LookupKnown, mock.Anything, activities.KnownInput{Account: "retail", Keys: keys}).
		Return([]store.Known{{Key: keys[0], ContactID: 200, LeadID: 100}}, nil).Once()
	// The contact exists and has the phone; amoCRM does not show the lead's link yet.
	env.OnActivity(amo.ReadContact, mock.Anything, activities.ReadInput{Account: "retail", ID: 200, With: []string{"leads"}}).
		Return(activities.ContactCard{Contact: activities.Contact{ID: 200, Phones: []string{"+79161234567"}}}, nil).Once()
	env.OnActivity(amo.GetLeads, mock.Anything, activities.GetLeadsInput{Account: "retail", IDs: []int64{100}}).
		Return([]activities.Lead{{ID: 100, PipelineID: 3198184, StatusID: 32532880, ContactIDs: []int64{200}}}, nil).Once()
	env.OnActivity(amo.UpdateLead, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(amo.AddNote, mock.Anything, mock.Anything).Return(int64(1), nil).Once()
	env.OnActivity(leases.RememberKnown, mock.Anything, activities.RememberInput{Account: "retail", Entries: []store.Known{{Key: keys[0], ContactID: 200, LeadID: 100}}}).Return(nil).Once()
	env.OnActivity(leases.ReleaseLeases, mock.Anything).Return(int64(2), nil).Once()

	res := runFlow[FormResult](t, env, f.CreateLeadFromForm, form)
	if !res.Merged || res.LeadID != 100 || res.ContactID != 200 {
		t.Fatalf("result = %+v, want a merge into the recorded lead", res)
	}
	env.AssertExpectations(t) // and no SearchContacts: it is not mocked
}
