package activities

import "time"

// The types below are what amoCRM activities take and return. They carry only
// what the workflows decide on, so workflow histories stay small and stable
// when the amoCRM client's models grow.

// Contact is an amoCRM contact as the flows see it.
type Contact struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name,omitempty"`
	ResponsibleID int64    `json:"responsible_id,omitempty"`
	Phones        []string `json:"phones,omitempty"`
	Emails        []string `json:"emails,omitempty"`
	LeadIDs       []int64  `json:"lead_ids,omitempty"`
	UpdatedAt     int64    `json:"updated_at,omitempty"`
	// CompanyID is the contact's company (amoCRM links at most one), 0: none.
	CompanyID int64 `json:"company_id,omitempty"`
}

// Lead is an amoCRM lead as the flows see it.
type Lead struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name,omitempty"`
	PipelineID    int64            `json:"pipeline_id"`
	StatusID      int64            `json:"status_id"`
	ResponsibleID int64            `json:"responsible_id,omitempty"`
	Price         int64            `json:"price,omitempty"`
	CreatedAt     int64            `json:"created_at,omitempty"`
	UpdatedAt     int64            `json:"updated_at,omitempty"`
	Tags          []Tag            `json:"tags,omitempty"`
	Fields        map[int64]string `json:"fields,omitempty"` // field id → first value
	ContactIDs    []int64          `json:"contact_ids,omitempty"`
}

// Tag is a tag by id and name; a zero id means "resolve by name".
type Tag struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"`
}

// SearchContactsInput asks amoCRM's fuzzy search for contacts (with their lead ids).
type SearchContactsInput struct {
	Account string `json:"account"`
	Query   string `json:"query"`
}

// GetLeadsInput reads leads by id in one request.
type GetLeadsInput struct {
	Account string  `json:"account"`
	IDs     []int64 `json:"ids"`
}

// NewContact is a contact to create with a lead.
type NewContact struct {
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Email         string `json:"email,omitempty"`
	ResponsibleID int64  `json:"responsible_id,omitempty"`
}

// CreateLeadInput creates a lead with its contact in one request
// (POST /api/v4/leads/complex): an existing contact by ContactID, or NewContact.
type CreateLeadInput struct {
	Account       string           `json:"account"`
	Name          string           `json:"name"`
	PipelineID    int64            `json:"pipeline_id"`
	StatusID      int64            `json:"status_id,omitempty"`
	ResponsibleID int64            `json:"responsible_id,omitempty"`
	Price         int64            `json:"price,omitempty"`
	Fields        map[int64]string `json:"fields,omitempty"`
	Tags          []Tag            `json:"tags,omitempty"`
	ContactID     int64            `json:"contact_id,omitempty"`
	NewContact    *NewContact      `json:"new_contact,omitempty"`
	// CompanyID links the new lead to that company (the corporate site form).
	CompanyID int64 `json:"company_id,omitempty"`
	// Since is when the job started. A retried attempt first looks for a lead
	// of this contact created since then, so a create whose answer was lost
	// is not repeated.
	Since time.Time `json:"since"`
}

// CreatedLead is the result of CreateLead.
type CreatedLead struct {
	LeadID    int64 `json:"lead_id"`
	ContactID int64 `json:"contact_id"`
	// Found is true when a retried attempt found the lead an earlier attempt created.
	Found bool `json:"found,omitempty"`
}

// UpdateLeadInput patches a lead: Tags (when non-nil) replaces the lead's tags,
// Fields sets those custom fields.
type UpdateLeadInput struct {
	Account string           `json:"account"`
	LeadID  int64            `json:"lead_id"`
	Tags    []Tag            `json:"tags,omitempty"`
	Fields  map[int64]string `json:"fields,omitempty"`
}

// NoteInput adds a common note to an entity ("leads", "contacts", "companies").
type NoteInput struct {
	Account  string `json:"account"`
	Entity   string `json:"entity"`
	EntityID int64  `json:"entity_id"`
	Text     string `json:"text"`
}

// LinkInput links a lead to a contact.
type LinkInput struct {
	Account   string `json:"account"`
	LeadID    int64  `json:"lead_id"`
	ContactID int64  `json:"contact_id"`
}
