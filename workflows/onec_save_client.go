package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// clientRuleChange is the GetVersion change id of the lead transfer's
// client step following the cross-account rule (saveClient): runs recorded
// before it replay the old step (the first contact's GUID, or a create from
// it, and nothing in the other account).
const clientRuleChange = "onec-client-cross-account"

// SaveOneCResult is what a finished SaveClient1C or SaveCompany1C reports.
type SaveOneCResult struct {
	Account string `json:"account"`
	LeadID  int64  `json:"lead_id"`
	// Status: transferred; echo (the lead was just written by 1C: nothing
	// sent); several_contacts (the lead's contacts name no single person:
	// noted, nothing sent); no_company (savecompany, the lead has none:
	// noted, nothing sent).
	Status      string       `json:"status"`
	ClientID1C  onec.GUID    `json:"client_id_1C,omitempty"`
	CompanyID1C onec.GUID    `json:"company_id_1C,omitempty"`
	AmoIDs      []onec.AmoID `json:"amo_ids,omitempty"` // where the client or partner lives in amoCRM
}

// SaveClient1C is the explicit client transfer of the webhooks saveclient
// and saveclient_corp (docs/flows.md#saveclient1c): the client of the
// lead's contact goes to 1C under the cross-account rule (saveClient).
// When it fails, the lead gets one note and the admin one task, and the
// workflow fails. Nothing is created twice: the client behind the source
// contact's marker and the outbox (ensure1C), the other account's contact
// found by a verified search before one is made.
//
// amoCRM calls, new person in both accounts: lead, contact, GUID write;
// in the other account 2 searches, create, GUID write (7). 1C: one POST
// EditStudent, or GET EditStudent and a POST when changed.
func (f *Flows) SaveClient1C(ctx workflow.Context, ev HookEvent) (*SaveOneCResult, error) {
	return f.saveFromLead(ctx, ev, noteClientFail, func(s onecSettings, acct onecAccount, lead activities.AmoRecord, res *SaveOneCResult) error {
		if len(lead.ContactIDs) == 0 {
			return temporal.NewNonRetryableApplicationError("the lead has no contact", activities.ErrLeadWithoutContact, nil)
		}
		c, err := f.saveClient(ctx, s, acct, lead)
		if c.Several {
			res.Status = "several_contacts"
		}
		res.ClientID1C, res.AmoIDs = c.GUID, c.AmoIDs
		return err
	})
}

// saveFromLead is the frame of the explicit transfers: the echo check, the
// lead read (gone: LeadNotFound), then save; a failure is reported on the
// lead (note and admin task) before the workflow fails with it.
func (f *Flows) saveFromLead(ctx workflow.Context, ev HookEvent, failNote string,
	save func(onecSettings, onecAccount, activities.AmoRecord, *SaveOneCResult) error) (*SaveOneCResult, error) {
	s, acct, lead, echo, err := f.leadFor1C(ctx, ev.Account, ev.ID)
	if err != nil {
		return nil, err
	}
	res := &SaveOneCResult{Account: acct.Name, LeadID: ev.ID}
	if echo {
		res.Status = "echo"
		return res, nil
	}
	if err := save(s, acct, lead, res); err != nil {
		f.reportFailure(ctx, acct, ev.ID, failNote, taskTransferFail)
		return nil, err
	}
	if res.Status == "" {
		res.Status = "transferred"
	}
	return res, nil
}

// savedClient is the outcome of the client step.
type savedClient struct {
	GUID    onec.GUID
	AmoIDs  []onec.AmoID
	Several bool // noted on the lead, nothing sent
}

// saveClient transfers the client of a lead's contacts to 1C under the
// cross-account rule (docs/flows.md#saveclient1c):
//
//   - the lead's contacts name the client (planClient); several people, or
//     contacts naming different 1C clients, are a note on the lead, not a
//     guess;
//   - in every other person account the person's contact is found: the one
//     1C's amo_ids lists, else the one linked to the GUID, else by phone,
//     then e-mail (verified); a found contact already holding a GUID makes
//     that the client; none found → a contact is created there;
//   - a client 1C has (a GUID on a contact): 1C's record is read, amoCRM's
//     values laid over it, and posted back when that changed it (with the
//     amo_ids of every account); otherwise the client is created once
//     (ensure1C: marker, outbox);
//   - the GUID and 1C's values are written to the person's contact in every
//     account, the source contact included, each write echo-marked so it
//     does not come back as an edit.
//
// The run holds the leases of the lead's contacts (the keys ensure1C takes
// for a create) from before it reads them: two transfers of one person (a
// redelivery, savelead and saveclient together) take turns, and the second
// finds the first's client and contacts instead of making its own.
func (f *Flows) saveClient(ctx workflow.Context, s onecSettings, acct onecAccount, lead activities.AmoRecord) (savedClient, error) {
	keys := make([]string, 0, len(lead.ContactIDs))
	for _, id := range lead.ContactIDs {
		keys = append(keys, createKey(activities.AmoRef{Entity: "contacts", ID: id}))
	}
	var out savedClient
	err := withLeases(ctx, leaseKeys(acct.Name, keys...), func() (err error) {
		out, err = f.placeClient(ctx, s, acct, lead)
		return err
	})
	return out, err
}

// placeClient is saveClient's work, under its leases. ensure1C's create
// takes the source contact's lease again (already held) and releases them
// all when done: what follows it only writes the GUID, which a second run
// would write the same.
func (f *Flows) placeClient(ctx workflow.Context, s onecSettings, acct onecAccount, lead activities.AmoRecord) (savedClient, error) {
	guidField := acct.ContactFields[keyClientID1C]
	if guidField == 0 {
		return savedClient{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("no 1C id field configured for contacts in %s", acct.Name), activities.ErrConfig, nil)
	}
	contacts, err := f.leadContacts(ctx, acct, lead)
	if err != nil {
		return savedClient{}, err
	}
	p := planClient(contacts, guidField)
	if p.Several {
		return savedClient{Several: true}, f.note(acct.amoOpts(ctx), acct.Name, lead.ID, noteSeveralContacts)
	}
	if p.Source.ID == 0 {
		return savedClient{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("contact %d does not exist", lead.ContactIDs[0]), activities.ErrContactNotFound, nil)
	}
	st := studentFromContact(p.Source, acct)

	// Without a GUID yet, the person's contact in another account holding
	// one names the client.
	found := map[string]otherPick{}
	for _, an := range otherAccounts(s, acct.Name) {
		if p.GUID.Valid() {
			break
		}
		other, err := s.account(an)
		if err != nil {
			return savedClient{}, err
		}
		if found[an], err = f.findOther(ctx, other, st, "", nil); err != nil {
			return savedClient{}, err
		}
		p.GUID = found[an].GUID
	}
	if p.GUID.Valid() {
		return f.updateClient(ctx, s, acct, lead.ID, p.Source, p.GUID, found)
	}
	return f.createClient(ctx, s, acct, p.Source, st, found)
}

// leadContacts reads a lead's contacts, in the lead's order; contacts
// that no longer exist are left out.
func (f *Flows) leadContacts(ctx workflow.Context, acct onecAccount, lead activities.AmoRecord) ([]activities.AmoRecord, error) {
	if len(lead.ContactIDs) == 1 {
		c, err := f.read(ctx, acct, "contacts", 0, lead.ContactIDs[0])
		if err != nil || c.ID == 0 {
			return nil, err
		}
		return []activities.AmoRecord{c}, nil
	}
	var got []activities.AmoRecord
	in := activities.AmoRefs{Account: acct.Name, Entity: "contacts", IDs: lead.ContactIDs}
	if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.ReadRecords1C, in).Get(ctx, &got); err != nil {
		return nil, err
	}
	var out []activities.AmoRecord
	for _, id := range lead.ContactIDs {
		if i := slices.IndexFunc(got, func(c activities.AmoRecord) bool { return c.ID == id }); i >= 0 {
			out = append(out, got[i])
		}
	}
	return out, nil
}

// findOther finds the person's contact in another account: the contact
// amoIDs lists there (still existing), else the one linked to guid, else a
// search by phone, then e-mail (pickOther).
func (f *Flows) findOther(ctx workflow.Context, other onecAccount, st onec.Student, guid onec.GUID, amoIDs []onec.AmoID) (otherPick, error) {
	guidField := other.ContactFields[keyClientID1C]
	if id := onec.AmoIDIn(amoIDs, other.AccountID); id != 0 {
		c, err := f.read(ctx, other, "contacts", 0, id)
		if err != nil || c.ID != 0 {
			return otherPick{Contact: c, GUID: guid}, err // 1C's own link
		}
	}
	if guid.Valid() {
		c, err := f.recall(ctx, other, "contacts", 0, guid)
		if err != nil || c.ID != 0 {
			return otherPick{Contact: c, GUID: guid}, err
		}
	}
	var pick otherPick
	err := f.searchPerson(ctx, other, st.Phone, st.Email, func(hits []activities.AmoRecord, ph, email string) bool {
		got := pickOther(hits, ph, email, guidField, guid)
		if got.Contact.ID != 0 || pick.Conflict.ID == 0 {
			pick = got
		}
		return got.Contact.ID != 0
	})
	return pick, err
}

// updateClient is the client 1C has: its record is read, the source
// contact laid over it, the other accounts' contacts placed (found already,
// or through 1C's amo_ids, the GUID link or a search, or created) and
// listed in amo_ids; it is posted back when that changed it, and written
// onto every contact. A person's contact holding another 1C client is
// noted on the lead and left alone.
func (f *Flows) updateClient(ctx workflow.Context, s onecSettings, acct onecAccount, leadID int64, source activities.AmoRecord, uid onec.GUID,
	found map[string]otherPick) (savedClient, error) {
	octx := onecOptions(ctx, s)
	var have *onec.Student
	if err := workflow.ExecuteActivity(octx, oneC.OneCGetStudentOrNil, uid).Get(ctx, &have); err != nil {
		return savedClient{}, err
	}
	if have == nil {
		return savedClient{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("1C has no client %s, which a contact of lead %d in %s names: correct or clear the contact's 1C field", uid, leadID, acct.Name),
			activities.ErrOneCNotFound, nil)
	}
	merged := overlayStudent(*have, studentFromContact(source, acct), acct.AccountID)
	merged.ClientID = uid
	type target struct {
		acct    onecAccount
		contact activities.AmoRecord
	}
	targets := []target{{acct, source}}
	for _, an := range otherAccounts(s, acct.Name) {
		other, err := s.account(an)
		if err != nil {
			return savedClient{}, err
		}
		pick := found[an]
		if pick.Contact.ID == 0 {
			if pick, err = f.findOther(ctx, other, merged, uid, merged.AmoIDs); err != nil {
				return savedClient{}, err
			}
		}
		switch {
		case pick.Contact.ID != 0:
			merged.AmoIDs = onec.WithAmoID(merged.AmoIDs, other.AccountID, pick.Contact.ID)
			targets = append(targets, target{other, pick.Contact})
		case pick.Conflict.ID != 0:
			text := fmt.Sprintf(noteOtherClient, other.Name, pick.Conflict.ID, strings.TrimSpace(pick.Conflict.Fields[other.ContactFields[keyClientID1C]]))
			if err := f.note(acct.amoOpts(ctx), acct.Name, leadID, text); err != nil {
				return savedClient{}, err
			}
		default:
			id, err := f.applyClient(ctx, other, activities.AmoRecord{}, merged)
			if err != nil {
				return savedClient{}, err
			}
			merged.AmoIDs = onec.WithAmoID(merged.AmoIDs, other.AccountID, id)
		}
	}
	if !unchanged(*have, merged) {
		if err := workflow.ExecuteActivity(octx, oneC.OneCEditStudent, merged).Get(ctx, nil); err != nil {
			return savedClient{}, err
		}
	}
	for _, t := range targets {
		if _, err := f.applyClient(ctx, t.acct, t.contact, merged); err != nil {
			return savedClient{}, err
		}
	}
	return savedClient{GUID: uid, AmoIDs: merged.AmoIDs}, nil
}

// createClient is a new client: the other accounts' contacts are linked
// (found) or created first, so that 1C's record lists them all; the client
// is created once (ensure1C writes the GUID onto the source contact), and
// the GUID written onto the other contacts.
func (f *Flows) createClient(ctx workflow.Context, s onecSettings, acct onecAccount, source activities.AmoRecord, st onec.Student,
	found map[string]otherPick) (savedClient, error) {
	type target struct {
		acct    onecAccount
		contact activities.AmoRecord
		created bool
	}
	var targets []target
	for _, an := range otherAccounts(s, acct.Name) {
		other, err := s.account(an)
		if err != nil {
			return savedClient{}, err
		}
		t := target{acct: other, contact: found[an].Contact}
		if t.contact.ID == 0 {
			id, err := f.applyClient(ctx, other, activities.AmoRecord{}, st)
			if err != nil {
				return savedClient{}, err
			}
			t.contact, t.created = activities.AmoRecord{ID: id}, true
		}
		st.AmoIDs = onec.WithAmoID(st.AmoIDs, other.AccountID, t.contact.ID)
		targets = append(targets, t)
	}
	ref := activities.AmoRef{Account: acct.Name, Entity: "contacts", ID: source.ID}
	amoIDs := st.AmoIDs
	uid, err := f.ensure1C(ctx, s, acct, ref, acct.ContactFields[keyClientID1C], source, func(rec activities.AmoRecord) activities.OneCCreate {
		c := studentFromContact(rec, acct)
		c.AmoIDs = amoIDs
		return activities.OneCCreate{Account: acct.Name, Entity: ref.Entity, ID: ref.ID, Student: &c}
	})
	if err != nil {
		return savedClient{}, err
	}
	st.ClientID = uid
	if err := f.written(ctx, acct, "contacts", uid, source.ID); err != nil {
		return savedClient{}, err
	}
	for _, t := range targets {
		if !t.created {
			if _, err := f.applyClient(ctx, t.acct, t.contact, st); err != nil {
				return savedClient{}, err
			}
			continue
		}
		w := activities.AmoWrite{Entity: "contacts", ID: t.contact.ID, Fields: map[int64]string{t.acct.ContactFields[keyClientID1C]: string(uid)}}
		if _, err := f.write(ctx, t.acct, w); err != nil {
			return savedClient{}, err
		}
		if err := f.written(ctx, t.acct, "contacts", uid, t.contact.ID); err != nil {
			return savedClient{}, err
		}
	}
	return savedClient{GUID: uid, AmoIDs: st.AmoIDs}, nil
}
