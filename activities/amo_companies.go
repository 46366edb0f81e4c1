package activities

import (
	"context"
	"errors"

	"amoflow/amocrm"
)

// Company activities of the C# hook flows (checkdouble, conferencepaid),
// one amoCRM request each.

// CompanyCard is a company with every custom field and, when read with
// leads, its lead ids. A zero ID means amoCRM has no such company.
type CompanyCard struct {
	ID      int64         `json:"id"`
	Name    string        `json:"name,omitempty"`
	Values  []FieldValues `json:"values,omitempty"`
	LeadIDs []int64       `json:"lead_ids,omitempty"`
	// ResponsibleID is the company's manager.
	ResponsibleID int64 `json:"responsible_id,omitempty"`
}

// SearchCompaniesInput runs amoCRM's fuzzy company search; with "leads"
// the hits carry their lead ids.
type SearchCompaniesInput struct {
	Account string   `json:"account"`
	Query   string   `json:"query"`
	With    []string `json:"with,omitempty"`
}

// ReadCompany reads a company. A missing company is CompanyCard{}.
func (a *Amo) ReadCompany(ctx context.Context, in ReadInput) (CompanyCard, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return CompanyCard{}, err
	}
	co, err := c.Company(ctx, in.ID, in.With...)
	if errors.Is(err, amocrm.ErrNotFound) {
		return CompanyCard{}, nil
	}
	if err != nil {
		return CompanyCard{}, classify(err)
	}
	return companyCardOf(*co), nil
}

// SearchCompanies runs amoCRM's fuzzy search (204: none). The caller
// verifies the hits.
func (a *Amo) SearchCompanies(ctx context.Context, in SearchCompaniesInput) ([]CompanyCard, error) {
	return listOf(a, in.Account, companyCardOf, func(c *amocrm.Client) ([]amocrm.Company, error) {
		return c.SearchCompanies(ctx, in.Query, in.With...)
	})
}

func companyCardOf(c amocrm.Company) CompanyCard {
	out := CompanyCard{ID: c.ID, Name: c.Name, Values: fieldValuesOf(c.CustomFieldsValues), ResponsibleID: c.ResponsibleUserID}
	if c.Embedded != nil {
		for _, l := range c.Embedded.Leads {
			out.LeadIDs = append(out.LeadIDs, l.ID)
		}
	}
	return out
}
