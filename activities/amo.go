// Package activities holds amoflow's Temporal activities: every side effect
// of a flow. An amoCRM activity makes one API request (plus, on a retried
// attempt, the reads that check whether an earlier attempt already did the
// work), so the per-account task-queue rate limit counts requests exactly.
//
// Errors are classified for Temporal: amoCRM answers worth retrying (network,
// 5xx, 429) are returned as they are and retried with backoff; an account
// that needs re-authorization, is misconfigured or is blocked by amoCRM
// pauses (a retryable AmoAccountPaused or AmoAccountBlocked error retried
// every few seconds up to 30 s, for as long as the activity's 8-day budget
// lasts); everything else (validation errors) becomes a non-retryable error
// that fails the workflow with a readable reason.
package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"amoflow/amocrm"
	"amoflow/match"
	"amoflow/phone"
)

// Amo holds the amoCRM activities, with a client per configured account.
type Amo struct {
	Clients map[string]*amocrm.Client
}

func (a *Amo) client(account string) (*amocrm.Client, error) {
	c, ok := a.Clients[account]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("account %q is not configured", account), ErrUnknownAccount, nil)
	}
	return c, nil
}

// listOf is the shape of the activities that list: one amoCRM call with the
// account's client, its error classified, each item converted.
func listOf[T, U any](a *Amo, account string, conv func(T) U, call func(*amocrm.Client) ([]T, error)) ([]U, error) {
	c, err := a.client(account)
	if err != nil {
		return nil, err
	}
	found, err := call(c)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]U, 0, len(found))
	for _, x := range found {
		out = append(out, conv(x))
	}
	return out, nil
}

// classify turns an amoCRM error into what Temporal should do with it.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	}
	if p, ok := amocrm.Paused(err); ok {
		// The account waits for an operator or for amoCRM: retry, never
		// fail, and come back soon enough to resume within a minute.
		return temporal.NewApplicationErrorWithOptions(p.Message, p.Type, temporal.ApplicationErrorOptions{
			NextRetryDelay: p.RetryIn, Cause: err,
		})
	}
	switch {
	case amocrm.IsRetryable(err):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The worker is stopping or the attempt timed out: another attempt
		// (on another worker) must follow, whatever the client thinks.
		return err
	case errors.Is(err, amocrm.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrAmoNotFound, err)
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), ErrAmoPermanent, err)
}

// SearchContacts runs amoCRM's fuzzy search with the contacts' lead ids. The
// caller verifies the hits.
func (a *Amo) SearchContacts(ctx context.Context, in SearchContactsInput) ([]Contact, error) {
	return listOf(a, in.Account, contactOf, func(c *amocrm.Client) ([]amocrm.Contact, error) {
		return c.SearchContacts(ctx, in.Query, "leads")
	})
}

// GetLeads reads leads by id, with their contacts, in one request.
func (a *Amo) GetLeads(ctx context.Context, in GetLeadsInput) ([]Lead, error) {
	return listOf(a, in.Account, leadOf, func(c *amocrm.Client) ([]amocrm.Lead, error) {
		return c.LeadsByID(ctx, in.IDs, "contacts")
	})
}

// CreateLead creates a site form's lead with its contact (createLead). A
// retried attempt first checks whether the earlier one created it after all
// (its answer may have been lost): a lead of the person in the same pipeline
// created since the job started counts as ours.
func (a *Amo) CreateLead(ctx context.Context, in CreateLeadInput) (CreatedLead, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return CreatedLead{}, err
	}
	return createFormLead(ctx, c, in, activity.GetInfo(ctx).Attempt > 1)
}

// createFormLead is CreateLead; retried says an earlier attempt may have
// created the lead.
func createFormLead(ctx context.Context, c *amocrm.Client, in CreateLeadInput, retried bool) (CreatedLead, error) {
	if retried {
		if found, ok, err := findCreated(ctx, c, in); err != nil {
			return CreatedLead{}, classify(err)
		} else if ok {
			return found, nil
		}
	}
	lead := amocrm.Lead{
		Name:               in.Name,
		PipelineID:         in.PipelineID,
		StatusID:           in.StatusID,
		ResponsibleUserID:  in.ResponsibleID,
		Price:              in.Price,
		CustomFieldsValues: textFields(in.Fields),
		Embedded:           &amocrm.LeadEmbedded{Tags: amoTags(in.Tags)},
	}
	if in.CompanyID != 0 {
		lead.Embedded.Companies = []amocrm.Company{{ID: in.CompanyID}}
	}
	if in.ContactID != 0 {
		return createLead(ctx, c, lead, nil, []int64{in.ContactID})
	}
	return createLead(ctx, c, lead, in.NewContact, nil)
}

// findCreated looks for the lead an earlier attempt of CreateLead made.
func findCreated(ctx context.Context, c *amocrm.Client, in CreateLeadInput) (CreatedLead, bool, error) {
	var contacts []amocrm.Contact
	if in.ContactID != 0 {
		ct, err := c.Contact(ctx, in.ContactID, "leads")
		if err != nil {
			return CreatedLead{}, false, err
		}
		contacts = []amocrm.Contact{*ct}
	} else if nc := in.NewContact; nc != nil {
		query := phone.SearchKey(nc.Phone)
		if query == "" {
			query = nc.Email
		}
		hits, err := c.SearchContacts(ctx, query, "leads")
		if err != nil {
			return CreatedLead{}, false, err
		}
		for _, h := range hits {
			if match.PhoneOrEmail(h.Phones(), h.Emails(), nc.Phone, nc.Email) {
				contacts = append(contacts, h)
			}
		}
	}
	for _, ct := range contacts {
		ids := ct.LeadIDs()
		if len(ids) == 0 {
			continue
		}
		leads, err := c.LeadsByID(ctx, ids)
		if err != nil {
			return CreatedLead{}, false, err
		}
		for _, l := range leads {
			if l.PipelineID == in.PipelineID && l.CreatedAt >= in.Since.Unix() {
				return CreatedLead{LeadID: l.ID, ContactID: ct.ID, Found: true}, true, nil
			}
		}
	}
	return CreatedLead{}, false, nil
}

// UpdateLead patches fields and (when given) the whole tag list. A PATCH is
// idempotent, so a retry needs no check.
func (a *Amo) UpdateLead(ctx context.Context, in UpdateLeadInput) error {
	c, err := a.client(in.Account)
	if err != nil {
		return err
	}
	lead := amocrm.Lead{ID: in.LeadID, CustomFieldsValues: textFields(in.Fields)}
	if in.Tags != nil {
		lead.Embedded = &amocrm.LeadEmbedded{Tags: amoTags(in.Tags)}
	}
	_, err = c.UpdateLeads(ctx, []amocrm.Lead{lead})
	return classify(err)
}

// AddNote adds a common note. A retried attempt first looks for the same text
// on the entity, so a note whose answer was lost is not added twice.
func (a *Amo) AddNote(ctx context.Context, in NoteInput) (int64, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return 0, err
	}
	entity := amocrm.EntityType(in.Entity)
	if activity.GetInfo(ctx).Attempt > 1 {
		notes, err := c.Notes(ctx, entity, in.EntityID, amocrm.NoteCommon)
		if err != nil {
			return 0, classify(err)
		}
		if i := slices.IndexFunc(notes, func(n amocrm.Note) bool { return n.Params.Text == in.Text }); i >= 0 {
			return notes[i].ID, nil
		}
	}
	added, err := c.AddNotes(ctx, entity, []amocrm.Note{amocrm.CommonNote(in.EntityID, in.Text)})
	if err != nil {
		return 0, classify(err)
	}
	if len(added) != 1 {
		return 0, fmt.Errorf("amocrm: notes answered %d notes for one", len(added))
	}
	return added[0].ID, nil
}

// LinkLeadContact links a lead to a contact; linking twice is harmless.
func (a *Amo) LinkLeadContact(ctx context.Context, in LinkInput) error {
	c, err := a.client(in.Account)
	if err != nil {
		return err
	}
	_, err = c.Link(ctx, amocrm.EntityLeads, in.LeadID, []amocrm.Link{{ToEntityID: in.ContactID, ToEntityType: amocrm.EntityContacts}})
	return classify(err)
}
