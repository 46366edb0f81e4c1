package workflows

import (
	"maps"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/match"
	"amoflow/phone"
	"amoflow/store"
)

// FormResult is what a finished CreateLeadFromForm reports (GET /v1/jobs/{id}).
type FormResult struct {
	Account   string `json:"account"`
	LeadID    int64  `json:"lead_id"`
	ContactID int64  `json:"contact_id"`
	// Merged is true when the form went into an existing open lead.
	Merged bool `json:"merged"`
}

// CreateLeadFromForm turns a site form into an amoCRM lead (see
// docs/flows.md#site-form without its defects): find the person by phone, then by email,
// verifying each hit; merge into their most recently updated open lead, or
// create the lead (with the contact when new) in one request; add the comment.
//
// amoCRM calls: new person 2 searches + 1 create + 1 note = 4;
// existing contact with an open lead 1 search + 1 read + 1 update + 1 note = 4;
// a corporate new lead +1-2 company searches; a webinar_id +1 update + 1
// note (and 2 webinar.ru requests).
//
// The person's forms run one at a time (a lease on their phone and email,
// serialize.go), and each records the contact and lead it ended with, so
// the next one finds them by id even before amoCRM's search shows them (a
// read by id replaces the phone search: still 4 calls).
func (f *Flows) CreateLeadFromForm(ctx workflow.Context, in FormInput) (*FormResult, error) {
	s, err := f.formSettings(ctx, in.Account)
	if err != nil {
		return nil, err
	}
	ctx = amoOptions(ctx, s.TaskQueue)

	ph := phone.Normalize(in.Fields["phone"])
	email := FormEmail(in.Fields["email"])
	if ph == "" && email == "" {
		return nil, temporal.NewNonRetryableApplicationError("the form has neither a usable phone nor an email", activities.ErrBadForm, nil)
	}

	if workflow.GetVersion(ctx, leaseChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		res, _, err := f.processForm(ctx, s, in, ph, email, nil)
		return res, err
	}
	// One person's forms run one at a time, across every worker (serialize.go).
	keys := personKeys(ph, email)
	var res *FormResult
	err = withLeases(ctx, leaseKeys(s.Account, keys...), func() error {
		known, err := lookupKnown(ctx, s.Account, keys)
		if err != nil {
			return err
		}
		var remember []store.Known
		if res, remember, err = f.processForm(ctx, s, in, ph, email, known); err != nil {
			return err
		}
		return rememberKnown(ctx, s.Account, remember)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// processForm finds the person (first by what earlier forms recorded, when
// known is given), then merges or creates the lead and adds the comment. It
// returns what to record for the next forms of the person.
func (f *Flows) processForm(ctx workflow.Context, s formSettings, in FormInput, ph, email string, known []store.Known) (*FormResult, []store.Known, error) {
	log := workflow.GetLogger(ctx)
	// Runs started before the webinar, event, organization, date and
	// company rules replay without them.
	v := workflow.GetVersion(ctx, formExtras, workflow.DefaultVersion, 2)
	s.Extras, s.Register = v >= 1, v >= 2
	contacts, extraLead, err := f.knownContact(ctx, s.Account, ph, email, known)
	if err != nil {
		return nil, nil, err
	}
	if len(contacts) == 0 {
		if contacts, err = f.findContacts(ctx, s.Account, ph, email); err != nil {
			return nil, nil, err
		}
	}
	res := &FormResult{Account: s.Account}
	var merged activities.Lead // the lead the form went into, when it merged
	ids := leadIDs(contacts)
	if extraLead != 0 && !slices.Contains(ids, extraLead) {
		ids = append(ids, extraLead) // linked since, but the link may not show yet
	}
	if len(ids) > 0 && !webinarForm(in.Fields, s) { // a webinar registration is a lead of its own
		var leads []activities.Lead
		if err := workflow.ExecuteActivity(ctx, amo.GetLeads, activities.GetLeadsInput{Account: s.Account, IDs: ids}).Get(ctx, &leads); err != nil {
			return nil, nil, err
		}
		if target, ok := mergeTarget(leads, s); ok {
			merged = target
			res.LeadID, res.Merged, res.ContactID = target.ID, true, contacts[0].ID
			if err := f.mergeInto(ctx, s, target, in.Fields); err != nil {
				return nil, nil, err
			}
			if !linked(target, contacts) {
				// Found through a contact it is not linked to (e.g. unlinked since).
				link := activities.LinkInput{Account: s.Account, LeadID: target.ID, ContactID: res.ContactID}
				if err := workflow.ExecuteActivity(ctx, amo.LinkLeadContact, link).Get(ctx, nil); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	if !res.Merged {
		created, err := f.createLead(ctx, s, in, contacts, ph, email)
		if err != nil {
			return nil, nil, err
		}
		res.LeadID, res.ContactID = created.LeadID, created.ContactID
	}
	tagLead(ctx, s.SearchAttributes, res.LeadID)
	// The title, the comment and the whole text of every value cut for
	// amoCRM. A form with a title, or a cut value, and no comment gets a
	// note it did not get before: the version markers keep workflows
	// started before that replaying.
	fields := in.Fields
	if fields["title"] != "" && workflow.GetVersion(ctx, "form-title-note", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// Runs started before the title went into the note replay without it.
		fields = maps.Clone(fields)
		delete(fields, "title")
	}
	text := formNote(fields, s)
	if fields["comment"] == "" && fields["title"] == "" && text != "" &&
		workflow.GetVersion(ctx, "form-overflow-note", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		text = ""
	}
	if text != "" {
		note := activities.NoteInput{Account: s.Account, Entity: "leads", EntityID: res.LeadID, Text: text}
		if err := workflow.ExecuteActivity(ctx, amo.AddNote, note).Get(ctx, nil); err != nil {
			return nil, nil, err
		}
	}
	if event := webinarID(in.Fields); s.Register && event != 0 && email != "" && !registeredFor(merged, event, s) {
		if err := registerForWebinar(ctx, s, res.LeadID, event, email); err != nil {
			return nil, nil, err
		}
	}
	log.Info("form processed", "lead_id", res.LeadID, "merged", res.Merged)
	var person *activities.Contact
	if len(contacts) > 0 {
		person = &contacts[0]
	}
	return res, knownPerson(ph, email, person, res.ContactID, res.LeadID), nil
}

// knownContact reads the contact an earlier flow recorded for the phone (or
// else the email), by id: found only when it still exists and still has the
// phone or email. extraLead is the lead recorded with it. One amoCRM request,
// in place of the search it saves.
func (f *Flows) knownContact(ctx workflow.Context, account, ph, email string, known []store.Known) (contacts []activities.Contact, extraLead int64, err error) {
	i := slices.IndexFunc(known, func(k store.Known) bool { return k.ContactID != 0 })
	if i < 0 {
		return nil, 0, nil
	}
	var card activities.ContactCard
	in := activities.ReadInput{Account: account, ID: known[i].ContactID, With: []string{"leads"}}
	if err := workflow.ExecuteActivity(ctx, amo.ReadContact, in).Get(ctx, &card); err != nil {
		return nil, 0, err
	}
	if card.ID == 0 || !match.PhoneOrEmail(card.Phones, card.Emails, ph, email) {
		return nil, 0, nil // deleted or changed since: search as usual
	}
	return []activities.Contact{card.Contact}, known[i].LeadID, nil
}

// knownPerson is what a processed form records: the person's contact and
// lead under each of its keys that the contact really has (a contact found
// by phone is not recorded for an email it lacks).
// person is the contact found (nil: the flow created it, with both).
func knownPerson(ph, email string, person *activities.Contact, contactID, leadID int64) []store.Known {
	var out []store.Known
	for _, id := range []struct{ ph, email string }{{ph, ""}, {"", email}} {
		if id.ph == "" && id.email == "" {
			continue
		}
		if person != nil && !match.PhoneOrEmail(person.Phones, person.Emails, id.ph, id.email) {
			continue
		}
		out = append(out, store.Known{Key: personKeys(id.ph, id.email)[0], ContactID: contactID, LeadID: leadID})
	}
	return out
}

// findContacts searches by phone, then (when nothing verified) by email.
func (f *Flows) findContacts(ctx workflow.Context, account, ph, email string) ([]activities.Contact, error) {
	for _, q := range []struct{ query, phone, email string }{
		{phone.SearchKey(ph), ph, ""},
		{email, "", email},
	} {
		if q.query == "" {
			continue
		}
		var hits []activities.Contact
		in := activities.SearchContactsInput{Account: account, Query: q.query}
		if err := workflow.ExecuteActivity(ctx, amo.SearchContacts, in).Get(ctx, &hits); err != nil {
			return nil, err
		}
		if found := verifiedContacts(hits, q.phone, q.email); len(found) > 0 {
			return found, nil
		}
	}
	return nil, nil
}

// mergeInto appends the form's tags and fills the lead's empty fields, in one
// update, skipped when nothing changes.
func (f *Flows) mergeInto(ctx workflow.Context, s formSettings, lead activities.Lead, fields map[string]string) error {
	tags, added := addTags(lead.Tags, formTags(fields, s))
	up := activities.UpdateLeadInput{Account: s.Account, LeadID: lead.ID, Fields: emptyFields(formFields(fields, s), lead)}
	if added {
		up.Tags = tags
	}
	if !added && len(up.Fields) == 0 {
		return nil
	}
	return workflow.ExecuteActivity(ctx, amo.UpdateLead, up).Get(ctx, nil)
}

// createLead creates the lead with its contact (existing or new) in one request.
func (f *Flows) createLead(ctx workflow.Context, s formSettings, in FormInput, contacts []activities.Contact, ph, email string) (activities.CreatedLead, error) {
	pipeline, status := newLeadStage(in.Fields, s)
	req := activities.CreateLeadInput{
		Account:       s.Account,
		Name:          s.LeadName,
		PipelineID:    pipeline,
		StatusID:      status,
		ResponsibleID: s.DefaultResponsible,
		Price:         formPrice(in.Fields),
		Fields:        formFields(in.Fields, s),
		Tags:          formTags(in.Fields, s),
		Since:         in.ReceivedAt,
	}
	if len(contacts) > 0 {
		req.ContactID = contacts[0].ID
		if contacts[0].ResponsibleID != 0 {
			req.ResponsibleID = contacts[0].ResponsibleID // the person's manager keeps them
		}
	} else {
		first, last := contactName(in.Fields)
		req.NewContact = &activities.NewContact{
			FirstName:     first,
			LastName:      last,
			Phone:         ph,
			Email:         email,
			ResponsibleID: s.DefaultResponsible,
		}
	}
	if s.Extras && s.SiteForm.Company {
		company, manager, err := personCompany(ctx, ctx, s.Account, ph, email, contacts)
		if err != nil {
			return activities.CreatedLead{}, err
		}
		req.CompanyID = company
		if len(contacts) == 0 && manager != 0 {
			req.ResponsibleID = manager // the company's manager, when the person is new
		}
	}
	if r := formResponsible(in.Fields, s); r != 0 {
		req.ResponsibleID = r // the corporate form names its manager
	}
	var created activities.CreatedLead
	err := workflow.ExecuteActivity(ctx, amo.CreateLead, req).Get(ctx, &created)
	return created, err
}

// registerForWebinar registers the form's email to the webinar on
// webinar.ru (2 requests) and writes the registration to the lead (1
// update) with the link in a note (1 note); a webinar that cannot take
// the registration is noted instead, the form never fails for it.
func registerForWebinar(ctx workflow.Context, s formSettings, leadID, event int64, email string) error {
	var reg activities.WebinarRegistration
	in := activities.WebinarRegisterInput{Event: event, Email: email}
	if err := workflow.ExecuteActivity(localOptions(ctx), webinarService.RegisterForWebinar, in).Get(ctx, &reg); err != nil {
		return err
	}
	fields, text := webinarUpdate(reg, event, s.LeadFields)
	if len(fields) > 0 {
		up := activities.PatchLeadInput{Account: s.Account, ID: leadID, Fields: fields}
		if err := workflow.ExecuteActivity(ctx, amo.PatchLead, up).Get(ctx, nil); err != nil {
			return err
		}
	}
	note := activities.NoteInput{Account: s.Account, Entity: "leads", EntityID: leadID, Text: text}
	return workflow.ExecuteActivity(ctx, amo.AddNote, note).Get(ctx, nil)
}

// formExtras versions CreateLeadFromForm's site_form rules (webinar,
// events, trial lesson, tags, company), organization, date and the type
// fallback (1), and the webinar.ru registration (2).
const formExtras = "form-site-extras"

// personCompany is the person's company in the account, found as the
// predecessor's corporate flows found it: a company holding the person's
// phone or email (verified; the lowest id), else the company of the
// person's first contact. manager is the company's responsible when it
// was searched (0 otherwise). 0–2 company searches.
func personCompany(ctx, actx workflow.Context, account, ph, email string, contacts []activities.Contact) (id, manager int64, err error) {
	found, err := searchPayerCompanies(ctx, actx, account, ph, email)
	if err != nil {
		return 0, 0, err
	}
	if len(found) > 0 {
		return found[0].ID, found[0].ResponsibleID, nil
	}
	if len(contacts) > 0 {
		return contacts[0].CompanyID, 0, nil
	}
	return 0, 0, nil
}

// linked reports whether the lead is linked to one of the contacts.
func linked(lead activities.Lead, contacts []activities.Contact) bool {
	for _, c := range contacts {
		if slices.Contains(lead.ContactIDs, c.ID) {
			return true
		}
	}
	return false
}
