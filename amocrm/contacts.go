package amocrm

import (
	"context"
	"net/url"
)

// Contact is an amoCRM contact (a person). Zero fields are left out on write.
type Contact struct {
	ID                 int64            `json:"id,omitempty"`
	Name               string           `json:"name,omitempty"`
	FirstName          string           `json:"first_name,omitempty"`
	LastName           string           `json:"last_name,omitempty"`
	ResponsibleUserID  int64            `json:"responsible_user_id,omitempty"`
	GroupID            int64            `json:"group_id,omitempty"`
	CreatedBy          int64            `json:"created_by,omitempty"`
	UpdatedBy          int64            `json:"updated_by,omitempty"`
	CreatedAt          int64            `json:"created_at,omitempty"`
	UpdatedAt          int64            `json:"updated_at,omitempty"`
	IsDeleted          bool             `json:"is_deleted,omitempty"`
	AccountID          int64            `json:"account_id,omitempty"`
	CustomFieldsValues CustomFields     `json:"custom_fields_values,omitempty"`
	RequestID          string           `json:"request_id,omitempty"`
	IsMain             bool             `json:"is_main,omitempty"` // in a lead's _embedded.contacts
	Embedded           *ContactEmbedded `json:"_embedded,omitempty"`
}

// ContactEmbedded holds a contact's tags and, with=leads, its leads (ids).
type ContactEmbedded struct {
	Tags            []Tag            `json:"tags,omitempty"`
	Leads           []Lead           `json:"leads,omitempty"`
	Companies       []Company        `json:"companies,omitempty"`
	CatalogElements []CatalogElement `json:"catalog_elements,omitempty"`
}

// FieldValue returns the first value of custom field id as text.
func (c *Contact) FieldValue(id int64) string { return c.CustomFieldsValues.Value(id) }

// Phones returns the values of the PHONE field, as stored.
func (c *Contact) Phones() []string { return valueStrings(c.CustomFieldsValues.Code("PHONE")) }

// Emails returns the values of the EMAIL field.
func (c *Contact) Emails() []string { return valueStrings(c.CustomFieldsValues.Code("EMAIL")) }

// LeadIDs lists the contact's leads (needs with=leads).
func (c *Contact) LeadIDs() []int64 {
	if c.Embedded == nil {
		return nil
	}
	ids := make([]int64, 0, len(c.Embedded.Leads))
	for _, l := range c.Embedded.Leads {
		ids = append(ids, l.ID)
	}
	return ids
}

// Contact gets a contact by id (with: leads, catalog_elements, …). A missing
// contact gives ErrNotFound.
func (c *Client) Contact(ctx context.Context, id int64, with ...string) (*Contact, error) {
	return contactsAPI.get(ctx, c, id, with)
}

// ContactsByID lists the contacts with the given ids.
func (c *Client) ContactsByID(ctx context.Context, ids []int64, with ...string) ([]Contact, error) {
	return contactsAPI.byIDs(ctx, c, ids, with)
}

// ListContacts lists contacts with raw parameters, every page.
func (c *Client) ListContacts(ctx context.Context, params url.Values) ([]Contact, error) {
	return contactsAPI.list(ctx, c, params)
}

// SearchContacts runs the fuzzy query= search over names, phones and
// e-mails; a hit may merely contain the digits searched, so verify it.
func (c *Client) SearchContacts(ctx context.Context, query string, with ...string) ([]Contact, error) {
	return contactsAPI.search(ctx, c, query, with)
}

// AddContacts creates contacts, 50 per request (see AddLeads).
func (c *Client) AddContacts(ctx context.Context, contacts []Contact) ([]Contact, error) {
	return contactsAPI.add(ctx, c, contacts)
}

// UpdateContacts patches contacts (each with its ID), 50 per request.
func (c *Client) UpdateContacts(ctx context.Context, contacts []Contact) ([]Contact, error) {
	return contactsAPI.update(ctx, c, contacts)
}
