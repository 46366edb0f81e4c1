package amocrm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
)

// Statuses every pipeline has.
const (
	StatusWon  = 142
	StatusLost = 143
)

// Lead is an amoCRM lead (deal). Zero fields are left out on write.
type Lead struct {
	ID                 int64         `json:"id,omitempty"`
	Name               string        `json:"name,omitempty"`
	Price              int64         `json:"price,omitempty"`
	ResponsibleUserID  int64         `json:"responsible_user_id,omitempty"`
	GroupID            int64         `json:"group_id,omitempty"`
	StatusID           int64         `json:"status_id,omitempty"`
	PipelineID         int64         `json:"pipeline_id,omitempty"`
	LossReasonID       int64         `json:"loss_reason_id,omitempty"`
	CreatedBy          int64         `json:"created_by,omitempty"`
	UpdatedBy          int64         `json:"updated_by,omitempty"`
	CreatedAt          int64         `json:"created_at,omitempty"` // Unix seconds
	UpdatedAt          int64         `json:"updated_at,omitempty"`
	ClosedAt           int64         `json:"closed_at,omitempty"`
	IsDeleted          bool          `json:"is_deleted,omitempty"`
	AccountID          int64         `json:"account_id,omitempty"`
	CustomFieldsValues CustomFields  `json:"custom_fields_values,omitempty"`
	RequestID          string        `json:"request_id,omitempty"`
	Embedded           *LeadEmbedded `json:"_embedded,omitempty"`
}

// LeadEmbedded holds a lead's tags and related entities. On read, contacts
// and companies carry only ids (with=contacts); in POST /leads/complex they
// are whole entities to create. Tags sent on write replace the lead's tags.
type LeadEmbedded struct {
	Tags            []Tag            `json:"tags,omitempty"`
	Contacts        []Contact        `json:"contacts,omitempty"`
	Companies       []Company        `json:"companies,omitempty"`
	CatalogElements []CatalogElement `json:"catalog_elements,omitempty"`
}

// FieldValue returns the first value of custom field id as text.
func (l *Lead) FieldValue(id int64) string { return l.CustomFieldsValues.Value(id) }

// Tags returns the lead's tags.
func (l *Lead) Tags() []Tag {
	if l.Embedded == nil {
		return nil
	}
	return l.Embedded.Tags
}

// ContactIDs lists the linked contacts, the main one first.
func (l *Lead) ContactIDs() []int64 {
	if l.Embedded == nil {
		return nil
	}
	var ids []int64
	for _, c := range l.Embedded.Contacts {
		if c.IsMain {
			ids = append([]int64{c.ID}, ids...)
		} else {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// CompanyID returns the linked company, 0 if none.
func (l *Lead) CompanyID() int64 {
	if l.Embedded == nil || len(l.Embedded.Companies) == 0 {
		return 0
	}
	return l.Embedded.Companies[0].ID
}

// Lead gets a lead by id; with names related data (contacts,
// catalog_elements, loss_reason, …). A missing lead gives ErrNotFound.
func (c *Client) Lead(ctx context.Context, id int64, with ...string) (*Lead, error) {
	return leadsAPI.get(ctx, c, id, with)
}

// LeadsByID lists the leads with the given ids; missing ones are absent.
func (c *Client) LeadsByID(ctx context.Context, ids []int64, with ...string) ([]Lead, error) {
	return leadsAPI.byIDs(ctx, c, ids, with)
}

// ListLeads lists leads with raw parameters (filter[…], order[…], with), every page.
func (c *Client) ListLeads(ctx context.Context, params url.Values) ([]Lead, error) {
	return leadsAPI.list(ctx, c, params)
}

// SearchLeads runs amoCRM's fuzzy query= search. Verify hits before use.
func (c *Client) SearchLeads(ctx context.Context, query string, with ...string) ([]Lead, error) {
	return leadsAPI.search(ctx, c, query, with)
}

// AddLeads creates leads, 50 per request, and returns them with their new
// ids in input order. On error it returns the leads created so far.
func (c *Client) AddLeads(ctx context.Context, leads []Lead) ([]Lead, error) {
	return leadsAPI.add(ctx, c, leads)
}

// UpdateLeads patches leads (each with its ID), 50 per request.
func (c *Client) UpdateLeads(ctx context.Context, leads []Lead) ([]Lead, error) {
	return leadsAPI.update(ctx, c, leads)
}

// ComplexResult is what POST /leads/complex reports for one lead.
type ComplexResult struct {
	ID        int64      `json:"id"`
	ContactID int64      `json:"contact_id"`
	CompanyID int64      `json:"company_id"`
	RequestID RequestIDs `json:"request_id"`
	Merged    bool       `json:"merged"` // duplicate control merged it into an existing lead
}

// RequestIDs accepts a request_id given as a string or an array of strings.
type RequestIDs []string

// UnmarshalJSON implements json.Unmarshaler.
func (r *RequestIDs) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*r = RequestIDs{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*r = many
	return err
}

// AddLeadsComplex creates each lead together with its
// Embedded.Contacts[0] and Embedded.Companies[0], 50 leads per request.
// On error it returns the results of the requests that succeeded.
func (c *Client) AddLeadsComplex(ctx context.Context, leads []Lead) ([]ComplexResult, error) {
	var out []ComplexResult
	for chunk := range slices.Chunk(leads, maxBatch) {
		var got []ComplexResult // the answer is a top-level array
		if _, err := c.do(ctx, http.MethodPost, "/api/v4/leads/complex", nil, chunk, &got); err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	return out, nil
}
