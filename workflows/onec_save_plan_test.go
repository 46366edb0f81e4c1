package workflows

import (
	"testing"

	"amoflow/activities"
	"amoflow/onec"
)

const otherGUID onec.GUID = "11111111-2222-4333-8444-555555555555"

func contactWith(id int64, guid onec.GUID, phones ...string) activities.AmoRecord {
	c := activities.AmoRecord{ID: id, Phones: phones, Fields: map[int64]string{}}
	if guid != "" {
		c.Fields[710429] = string(guid)
	}
	return c
}

func TestPlanClient(t *testing.T) {
	for _, tc := range []struct {
		name     string
		contacts []activities.AmoRecord
		want     clientPlan
	}{
		{"one contact, no GUID: a new client", []activities.AmoRecord{contactWith(5, "")}, clientPlan{Source: contactWith(5, "")}},
		{"one contact with a GUID", []activities.AmoRecord{contactWith(5, clientGUID)}, clientPlan{Source: contactWith(5, clientGUID), GUID: clientGUID}},
		{"a GUID on the second contact names the client", []activities.AmoRecord{contactWith(5, ""), contactWith(6, clientGUID)},
			clientPlan{Source: contactWith(6, clientGUID), GUID: clientGUID}},
		{"the same GUID twice (any case): the first holder", []activities.AmoRecord{contactWith(5, clientGUID), contactWith(6, "3F2504E0-4F89-11D3-9A0C-0305E82C3301")},
			clientPlan{Source: contactWith(5, clientGUID), GUID: clientGUID}},
		{"two contacts, no GUID: not guessed", []activities.AmoRecord{contactWith(5, ""), contactWith(6, "")}, clientPlan{Several: true}},
		{"two different GUIDs: not guessed", []activities.AmoRecord{contactWith(5, clientGUID), contactWith(6, otherGUID)}, clientPlan{Several: true}},
		{"a GUID that is not one is no GUID", []activities.AmoRecord{contactWith(5, "не GUID")}, clientPlan{Source: contactWith(5, "не GUID")}},
		{"no contacts", nil, clientPlan{}},
	} {
		got := planClient(tc.contacts, 710429)
		if got.Source.ID != tc.want.Source.ID || got.GUID != tc.want.GUID || got.Several != tc.want.Several {
			t.Errorf("%s: got source %d guid %q several %v, want %d %q %v", tc.name, got.Source.ID, got.GUID, got.Several,
				tc.want.Source.ID, tc.want.GUID, tc.want.Several)
		}
	}
	if p := planClient([]activities.AmoRecord{contactWith(5, clientGUID)}, 0); p.GUID != "" {
		t.Errorf("no configured field still read a GUID: %+v", p)
	}
}

func TestPickOther(t *testing.T) {
	const ph = "+79161234567"
	newer := func(c activities.AmoRecord, at int64) activities.AmoRecord { c.CreatedAt = at; return c }
	mail := activities.AmoRecord{ID: 30, Emails: []string{"Maria@Example.ru"}, Fields: map[int64]string{}}
	for _, tc := range []struct {
		name             string
		hits             []activities.AmoRecord
		phone, email     string
		want             onec.GUID
		contact, conflct int64
		guid             onec.GUID
	}{
		{"no hits", nil, ph, "", "", 0, 0, ""},
		{"a fuzzy hit of someone else is no hit", []activities.AmoRecord{contactWith(7, "", "+79161234500")}, ph, "", "", 0, 0, ""},
		{"a bare hit is linked", []activities.AmoRecord{contactWith(7, "", "8 (916) 123-45-67")}, ph, "", "", 7, 0, ""},
		{"new client: a hit holding a GUID names the client", []activities.AmoRecord{contactWith(7, "", ph), contactWith(8, otherGUID, ph)}, ph, "", "", 8, 0, otherGUID},
		{"known client: its own contact first", []activities.AmoRecord{contactWith(7, "", ph), contactWith(8, clientGUID, ph)}, ph, "", clientGUID, 8, 0, clientGUID},
		{"known client: a bare contact before another client's", []activities.AmoRecord{contactWith(8, otherGUID, ph), contactWith(7, "", ph)}, ph, "", clientGUID, 7, 0, ""},
		{"known client: only another client's contact is a conflict", []activities.AmoRecord{contactWith(8, otherGUID, ph)}, ph, "", clientGUID, 0, 8, ""},
		{"the newest of equals", []activities.AmoRecord{newer(contactWith(7, "", ph), 100), newer(contactWith(9, "", ph), 200)}, ph, "", "", 9, 0, ""},
		{"by e-mail, any case", []activities.AmoRecord{mail}, "", "maria@example.ru", "", 30, 0, ""},
	} {
		got := pickOther(tc.hits, tc.phone, tc.email, 710429, tc.want)
		if got.Contact.ID != tc.contact || got.Conflict.ID != tc.conflct || got.GUID != tc.guid {
			t.Errorf("%s: got contact %d conflict %d guid %q, want %d %d %q", tc.name, got.Contact.ID, got.Conflict.ID, got.GUID,
				tc.contact, tc.conflct, tc.guid)
		}
	}
}

func TestOtherAccounts(t *testing.T) {
	s := onecSettings{Retail: "retail", Corporate: "corp"}
	if got := otherAccounts(s, "retail"); len(got) != 1 || got[0] != "corp" {
		t.Errorf("from retail: %v", got)
	}
	if got := otherAccounts(s, "corp"); len(got) != 1 || got[0] != "retail" {
		t.Errorf("from corp: %v", got)
	}
	if got := otherAccounts(onecSettings{Retail: "retail"}, "retail"); len(got) != 0 {
		t.Errorf("one account: %v", got)
	}
}
