package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"

	"amoflow/amocrm"
)

// Lead activities of the webhook flows; each makes one amoCRM request
// (CreateLinkedLead a check first on a retried attempt).

// ReadLead reads a lead with related data. A missing lead is LeadCard{}.
func (a *Amo) ReadLead(ctx context.Context, in ReadInput) (LeadCard, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return LeadCard{}, err
	}
	l, err := c.Lead(ctx, in.ID, in.With...)
	if errors.Is(err, amocrm.ErrNotFound) {
		return LeadCard{}, nil
	}
	if err != nil {
		return LeadCard{}, classify(err)
	}
	return leadCardOf(*l), nil
}

// FindLeadByField finds the lead whose marker field holds exactly the
// marker's value: amoCRM's search is fuzzy, so every hit is checked. The
// oldest match wins; none is LeadCard{}.
func (a *Amo) FindLeadByField(ctx context.Context, in FindLeadInput) (LeadCard, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return LeadCard{}, err
	}
	found, ok, err := findMarked(ctx, c, in.Marker, in.PipelineID)
	if err != nil || !ok {
		return LeadCard{}, classify(err)
	}
	return leadCardOf(found), nil
}

func findMarked(ctx context.Context, c *amocrm.Client, m Marker, pipelineID int64) (amocrm.Lead, bool, error) {
	if m.FieldID == 0 || m.Value == "" {
		return amocrm.Lead{}, false, nil
	}
	hits, err := c.SearchLeads(ctx, m.Value, "contacts")
	if err != nil {
		return amocrm.Lead{}, false, err
	}
	var best *amocrm.Lead
	for i, l := range hits {
		if l.IsDeleted || (pipelineID != 0 && l.PipelineID != pipelineID) || !slices.Contains(l.CustomFieldsValues.Values(m.FieldID), m.Value) {
			continue
		}
		if best == nil || l.ID < best.ID {
			best = &hits[i]
		}
	}
	if best == nil {
		return amocrm.Lead{}, false, nil
	}
	return *best, true, nil
}

// CreateLinkedLead creates a lead linked to existing contacts and a company
// (POST /leads), or together with a new contact (POST /leads/complex). A
// retried attempt first looks for a lead carrying the marker, so a create
// whose answer was lost is not repeated.
func (a *Amo) CreateLinkedLead(ctx context.Context, in NewLeadInput) (CreatedLead, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return CreatedLead{}, err
	}
	return createLinkedLead(ctx, c, in, activity.GetInfo(ctx).Attempt > 1)
}

// createLinkedLead is CreateLinkedLead; retried says an earlier attempt may
// have created the lead.
func createLinkedLead(ctx context.Context, c *amocrm.Client, in NewLeadInput, retried bool) (CreatedLead, error) {
	if retried {
		l, ok, err := findMarked(ctx, c, in.Marker, in.PipelineID)
		if err != nil {
			return CreatedLead{}, classify(err)
		}
		if ok {
			var contactID int64
			if ids := l.ContactIDs(); len(ids) > 0 {
				contactID = ids[0]
			}
			return CreatedLead{LeadID: l.ID, ContactID: contactID, Found: true}, nil
		}
	}
	lead := amocrm.Lead{
		Name:               in.Name,
		PipelineID:         in.PipelineID,
		StatusID:           in.StatusID,
		ResponsibleUserID:  in.ResponsibleID,
		Price:              in.Price,
		CustomFieldsValues: amoFields(in.Fields),
		Embedded:           &amocrm.LeadEmbedded{Tags: amoTags(in.Tags)},
	}
	if in.CompanyID != 0 {
		lead.Embedded.Companies = []amocrm.Company{{ID: in.CompanyID}}
	}
	return createLead(ctx, c, lead, in.NewContact, in.ContactIDs)
}

// createLead is the one lead-creation path, behind CreateLead (site forms)
// and CreateLinkedLead (webhook flows), which differ only in how a retried
// attempt finds the lead an earlier one made (findCreated, findMarked). A
// new contact comes with the lead in one POST /leads/complex; otherwise one
// POST /leads links the existing contacts (the first is the main one) and
// whatever lead.Embedded already names.
func createLead(ctx context.Context, c *amocrm.Client, lead amocrm.Lead, nc *NewContact, contactIDs []int64) (CreatedLead, error) {
	if lead.Embedded == nil {
		lead.Embedded = &amocrm.LeadEmbedded{}
	}
	if nc != nil {
		lead.Embedded.Contacts = []amocrm.Contact{newContact(nc)}
		res, err := c.AddLeadsComplex(ctx, []amocrm.Lead{lead})
		if err != nil {
			return CreatedLead{}, classify(err)
		}
		if len(res) != 1 || res[0].ID == 0 {
			return CreatedLead{}, fmt.Errorf("amocrm: leads/complex answered %d results without a lead id", len(res))
		}
		return CreatedLead{LeadID: res[0].ID, ContactID: res[0].ContactID}, nil
	}
	for i, id := range contactIDs {
		lead.Embedded.Contacts = append(lead.Embedded.Contacts, amocrm.Contact{ID: id, IsMain: i == 0})
	}
	added, err := c.AddLeads(ctx, []amocrm.Lead{lead})
	if err != nil {
		return CreatedLead{}, classify(err)
	}
	if len(added) != 1 || added[0].ID == 0 {
		return CreatedLead{}, fmt.Errorf("amocrm: leads answered %d leads for one", len(added))
	}
	out := CreatedLead{LeadID: added[0].ID}
	if len(contactIDs) > 0 {
		out.ContactID = contactIDs[0]
	}
	return out, nil
}

// PatchLead changes a lead in one PATCH, which is idempotent.
func (a *Amo) PatchLead(ctx context.Context, in PatchLeadInput) error {
	c, err := a.client(in.Account)
	if err != nil {
		return err
	}
	lead := amocrm.Lead{
		ID:                 in.ID,
		Name:               in.Name,
		PipelineID:         in.PipelineID,
		StatusID:           in.StatusID,
		Price:              in.Price,
		ResponsibleUserID:  in.ResponsibleID,
		CustomFieldsValues: amoFields(in.Fields),
	}
	if in.SetTags {
		lead.Embedded = &amocrm.LeadEmbedded{Tags: amoTags(in.Tags)}
	}
	_, err = c.UpdateLeads(ctx, []amocrm.Lead{lead})
	return classify(err)
}

// UserName is the name of a user of the account ("" if there is none).
func (a *Amo) UserName(ctx context.Context, in UserInput) (string, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return "", err
	}
	u, err := c.User(ctx, in.ID)
	if errors.Is(err, amocrm.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", classify(err)
	}
	return u.Name, nil
}
