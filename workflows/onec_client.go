package workflows

import (
	"cmp"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/match"
	"amoflow/onec"
	"amoflow/phone"
)

// ClientFrom1CInput is a client 1C sends (docs/flows.md#clientfrom1c).
// UpdateOnly (PATCH) updates the contacts it finds and creates none.
type ClientFrom1CInput struct {
	Client     onec.Student `json:"client"`
	UpdateOnly bool         `json:"update_only,omitempty"`
}

// ClientFrom1C writes a 1C client onto its contact in every account
// (corporate first, as the C# integration): the contact listed in amo_ids
// for the account, else the one linked to the GUID, else (not UpdateOnly)
// one found by phone, then e-mail, verified; else a new contact. Its name,
// client_id_1C and passport fields are set, the phone and e-mail added to
// those it has. The result lists the contacts, for 1C to store.
//
// amoCRM calls per account: listed contact 2 (read, update; 1 when
// unchanged); new contact 2–3 (searches, create).
func (f *Flows) ClientFrom1C(ctx workflow.Context, in ClientFrom1CInput) (*AmoIDsResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	c := in.Client
	if !c.ClientID.Valid() || strings.TrimSpace(c.Name) == "" {
		return nil, temporal.NewNonRetryableApplicationError("a client needs client_id_1C and name", activities.ErrBadClient, nil)
	}
	res := &AmoIDsResult{AmoIDs: []onec.AmoID{}}
	for _, an := range personAccounts(s) {
		acct, err := s.account(an)
		if err != nil {
			return nil, err
		}
		id, err := f.clientInto(ctx, acct, c, in.UpdateOnly)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			res.AmoIDs = append(res.AmoIDs, onec.AmoID{AccountID: acct.AccountID, EntityID: id})
		}
	}
	return res, nil
}

// personAccounts are the accounts 1C's people and orders live in, corporate first.
func personAccounts(s onecSettings) []string {
	var out []string
	for _, n := range []string{s.Corporate, s.Retail} {
		if n != "" && (len(out) == 0 || out[0] != n) {
			out = append(out, n)
		}
	}
	return out
}

// clientInto writes the client onto its contact in one account and returns
// the contact id (0 when UpdateOnly found none).
func (f *Flows) clientInto(ctx workflow.Context, acct onecAccount, c onec.Student, updateOnly bool) (int64, error) {
	contact, err := f.read(ctx, acct, "contacts", 0, onec.AmoIDIn(c.AmoIDs, acct.AccountID))
	if err != nil {
		return 0, err
	}
	if contact.ID == 0 {
		if contact, err = f.recall(ctx, acct, "contacts", 0, c.ClientID); err != nil {
			return 0, err
		}
	}
	if contact.ID == 0 && !updateOnly {
		if contact, err = f.findPerson(ctx, acct, c.Phone, c.Email); err != nil {
			return 0, err
		}
	}
	if contact.ID == 0 && updateOnly {
		return 0, nil
	}
	return f.applyClient(ctx, acct, contact, c)
}

// applyClient writes the client onto contact (a new contact when its ID is
// 0) when it lacks anything of it, and records the link and the echo mark.
// A new contact of a client without a GUID yet is probed for by its name.
func (f *Flows) applyClient(ctx workflow.Context, acct onecAccount, contact activities.AmoRecord, c onec.Student) (int64, error) {
	fields, dates := contactFrom1C(c, acct)
	w := activities.AmoWrite{Entity: "contacts", ID: contact.ID, Fields: fields, Dates: dates}
	if name := strings.TrimSpace(c.Name); name != contact.Name {
		w.Name = name
	}
	phones, addedPhone := mergeValues(contact.Phones, normPhone(c.Phone), samePhone)
	emails, addedEmail := mergeValues(contact.Emails, strings.ToLower(strings.TrimSpace(c.Email)), sameEmail)
	if addedPhone {
		w.Phones = phones
	}
	if addedEmail {
		w.Emails = emails
	}
	if contact.ID == 0 {
		w.Probe = activities.AmoProbe{Query: phone.SearchKey(normPhone(c.Phone)), FieldID: acct.ContactFields[keyClientID1C], Value: string(c.ClientID)}
		if w.Probe.Query == "" {
			w.Probe.Query = w.Probe.Value
		}
		if !c.ClientID.Valid() {
			w.Probe.Query, w.Probe.FieldID, w.Probe.Value = cmp.Or(phone.SearchKey(normPhone(c.Phone)), strings.ToLower(strings.TrimSpace(c.Email))), 0, strings.TrimSpace(c.Name)
		}
	}
	id := contact.ID
	var err error
	if contact.ID == 0 || w.Name != "" || addedPhone || addedEmail || !sameFields(contact, fields) || !sameDates(contact, dates) {
		if id, err = f.write(ctx, acct, w); err != nil {
			return 0, err
		}
	}
	return id, f.written(ctx, acct, "contacts", c.ClientID, id)
}

// findPerson finds a contact by phone, then by e-mail, verifying each hit
// (the search is fuzzy); the most recently created wins. Zero when none.
func (f *Flows) findPerson(ctx workflow.Context, acct onecAccount, ph, email string) (activities.AmoRecord, error) {
	var found activities.AmoRecord
	err := f.searchPerson(ctx, acct, ph, email, func(hits []activities.AmoRecord, ph, email string) bool {
		hit, ok := verifiedHit(hits, ph, email)
		found = hit
		return ok
	})
	return found, err
}

// searchPerson searches an account's contacts by the phone, then by the
// e-mail, handing each search's hits to take with what it searched for (the
// other one empty), until take says it found the person.
func (f *Flows) searchPerson(ctx workflow.Context, acct onecAccount, ph, email string, take func(hits []activities.AmoRecord, ph, email string) bool) error {
	ph, email = normPhone(ph), strings.ToLower(strings.TrimSpace(email))
	for _, q := range []struct{ query, phone, email string }{
		{phone.SearchKey(ph), ph, ""},
		{email, "", email},
	} {
		if q.query == "" {
			continue
		}
		hits, err := f.search(ctx, acct, "contacts", 0, q.query)
		if err != nil {
			return err
		}
		if take(hits, q.phone, q.email) {
			return nil
		}
	}
	return nil
}

// verifiedHit keeps a hit that really has the phone or the e-mail; the
// newest such hit wins (ties: the higher id).
func verifiedHit(hits []activities.AmoRecord, ph, email string) (activities.AmoRecord, bool) {
	var best activities.AmoRecord
	found := false
	for _, h := range hits {
		ok := match.PhoneOrEmail(h.Phones, h.Emails, ph, email)
		if ok && (!found || h.CreatedAt > best.CreatedAt || (h.CreatedAt == best.CreatedAt && h.ID > best.ID)) {
			best, found = h, true
		}
	}
	return best, found
}

// sameDates reports whether the record's date fields hold the wanted days.
func sameDates(r activities.AmoRecord, want map[int64]int64) bool {
	for id, v := range want {
		if unixDate(amoDate(r.Fields[id])) != v {
			return false
		}
	}
	return true
}

// sameName compares people's names ignoring case and extra spaces.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
