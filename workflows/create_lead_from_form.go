package workflows

import (
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/phone"
)

// FormResult is what a finished CreateLeadFromForm reports (GET /v1/jobs/{id}).
type FormResult struct {
	Account   string `json:"account"`
	LeadID    int64  `json:"lead_id"`
	ContactID int64  `json:"contact_id"`
	// Merged is true when the form went into an existing open lead.
	Merged bool `json:"merged"`
}

// a is only used to name activity methods; Temporal calls the worker's instance.
var a *activities.Amo

// CreateLeadFromForm turns a site form into an amoCRM lead (reference-system
// §6.4 without its defects): find the person by phone, then by email,
// verifying each hit; merge into their most recently updated open lead, or
// create the lead (with the contact when new) in one request; add the comment.
//
// amoCRM calls: new person 2 searches + 1 create + 1 note = 4;
// existing contact with an open lead 1 search + 1 read + 1 update + 1 note = 4.
func (f *Flows) CreateLeadFromForm(ctx workflow.Context, in FormInput) (*FormResult, error) {
	s, err := f.formSettings(ctx, in.Account)
	if err != nil {
		return nil, err
	}
	ctx = amoOptions(ctx, s.TaskQueue)
	log := workflow.GetLogger(ctx)

	ph := phone.Normalize(in.Fields["phone"])
	email := FormEmail(in.Fields["email"])
	if ph == "" && email == "" {
		return nil, temporal.NewNonRetryableApplicationError("the form has neither a usable phone nor an email", "BadForm", nil)
	}

	contacts, err := f.findContacts(ctx, s.Account, ph, email)
	if err != nil {
		return nil, err
	}
	res := &FormResult{Account: s.Account}
	if ids := leadIDs(contacts); len(ids) > 0 {
		var leads []activities.Lead
		if err := workflow.ExecuteActivity(ctx, a.GetLeads, activities.GetLeadsInput{Account: s.Account, IDs: ids}).Get(ctx, &leads); err != nil {
			return nil, err
		}
		if target, ok := mergeTarget(leads, s); ok {
			res.LeadID, res.Merged, res.ContactID = target.ID, true, contacts[0].ID
			if err := f.mergeInto(ctx, s, target, in.Fields); err != nil {
				return nil, err
			}
			if !linked(target, contacts) {
				// Found through a contact it is not linked to (e.g. unlinked since).
				link := activities.LinkInput{Account: s.Account, LeadID: target.ID, ContactID: res.ContactID}
				if err := workflow.ExecuteActivity(ctx, a.LinkLeadContact, link).Get(ctx, nil); err != nil {
					return nil, err
				}
			}
		}
	}
	if !res.Merged {
		created, err := f.createLead(ctx, s, in, contacts, ph, email)
		if err != nil {
			return nil, err
		}
		res.LeadID, res.ContactID = created.LeadID, created.ContactID
	}
	tagLead(ctx, s.SearchAttributes, res.LeadID)
	// The comment and the whole text of every value cut for amoCRM. A form
	// with a cut value and no comment gets a note it did not get before: the
	// version marker keeps workflows started before that replaying.
	text := formNote(in.Fields, s)
	if in.Fields["comment"] == "" && text != "" &&
		workflow.GetVersion(ctx, "form-overflow-note", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		text = ""
	}
	if text != "" {
		note := activities.NoteInput{Account: s.Account, Entity: "leads", EntityID: res.LeadID, Text: text}
		if err := workflow.ExecuteActivity(ctx, a.AddNote, note).Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	log.Info("form processed", "lead_id", res.LeadID, "merged", res.Merged)
	return res, nil
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
		if err := workflow.ExecuteActivity(ctx, a.SearchContacts, in).Get(ctx, &hits); err != nil {
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
	return workflow.ExecuteActivity(ctx, a.UpdateLead, up).Get(ctx, nil)
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
	var created activities.CreatedLead
	err := workflow.ExecuteActivity(ctx, a.CreateLead, req).Get(ctx, &created)
	return created, err
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
