package amocrm

import (
	"context"
	"net/url"
)

// Company is an amoCRM company. Zero fields are left out on write.
type Company struct {
	ID                 int64            `json:"id,omitempty"`
	Name               string           `json:"name,omitempty"`
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
	Embedded           *CompanyEmbedded `json:"_embedded,omitempty"`
}

// CompanyEmbedded holds a company's tags and, on request, related entities.
type CompanyEmbedded struct {
	Tags            []Tag            `json:"tags,omitempty"`
	Leads           []Lead           `json:"leads,omitempty"`
	Contacts        []Contact        `json:"contacts,omitempty"`
	CatalogElements []CatalogElement `json:"catalog_elements,omitempty"`
}

// FieldValue returns the first value of custom field id as text.
func (c *Company) FieldValue(id int64) string { return c.CustomFieldsValues.Value(id) }

// Phones returns the values of the PHONE field, as stored.
func (c *Company) Phones() []string { return valueStrings(c.CustomFieldsValues.Code("PHONE")) }

// Emails returns the values of the EMAIL field.
func (c *Company) Emails() []string { return valueStrings(c.CustomFieldsValues.Code("EMAIL")) }

// Company gets a company by id. A missing company gives ErrNotFound.
func (c *Client) Company(ctx context.Context, id int64, with ...string) (*Company, error) {
	return companiesAPI.get(ctx, c, id, with)
}

// CompaniesByID lists the companies with the given ids.
func (c *Client) CompaniesByID(ctx context.Context, ids []int64, with ...string) ([]Company, error) {
	return companiesAPI.byIDs(ctx, c, ids, with)
}

// ListCompanies lists companies with raw parameters, every page.
func (c *Client) ListCompanies(ctx context.Context, params url.Values) ([]Company, error) {
	return companiesAPI.list(ctx, c, params)
}

// SearchCompanies runs the fuzzy query= search; verify hits before use.
func (c *Client) SearchCompanies(ctx context.Context, query string, with ...string) ([]Company, error) {
	return companiesAPI.search(ctx, c, query, with)
}

// AddCompanies creates companies, 50 per request (see AddLeads).
func (c *Client) AddCompanies(ctx context.Context, companies []Company) ([]Company, error) {
	return companiesAPI.add(ctx, c, companies)
}

// UpdateCompanies patches companies (each with its ID), 50 per request.
func (c *Client) UpdateCompanies(ctx context.Context, companies []Company) ([]Company, error) {
	return companiesAPI.update(ctx, c, companies)
}
