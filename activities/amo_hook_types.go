package activities

import "amoflow/amocrm"

// Types of the activities the webhook flows use (amo_leads.go,
// amo_contacts.go, amo_notes.go). They carry whole custom fields, because
// those flows copy fields between leads and accounts.

// FieldValues is one custom field with every value, as amoCRM holds it.
// On write ID names the field, or Code (PHONE, EMAIL) when ID is 0.
type FieldValues struct {
	ID     int64        `json:"id,omitempty"`
	Code   string       `json:"code,omitempty"`
	Values []FieldValue `json:"values"`
}

// FieldValue is one value: text, a number (JSON numbers, dates as Unix
// seconds), or an enum of a list field.
type FieldValue struct {
	Value    any    `json:"value,omitempty"`
	EnumID   int64  `json:"enum_id,omitempty"`
	EnumCode string `json:"enum_code,omitempty"`
}

// Text renders the value as amoCRM shows it (numbers without exponent).
func (v FieldValue) Text() string { return amocrm.Value{Value: v.Value}.String() }

// LeadCard is a lead with what the webhook flows read from it. A zero ID
// means amoCRM has no such lead.
type LeadCard struct {
	Lead
	CompanyID int64         `json:"company_id,omitempty"`
	Values    []FieldValues `json:"values,omitempty"` // every custom field, every value
}

// ContactCard is a contact with its whole PHONE field. A zero ID means
// amoCRM has no such contact.
type ContactCard struct {
	Contact
	FirstName  string      `json:"first_name,omitempty"`
	LastName   string      `json:"last_name,omitempty"`
	CompanyIDs []int64     `json:"company_ids,omitempty"`
	PhoneField FieldValues `json:"phone_field"`
	// Fields are the custom fields ReadInput.Fields asked for, id → first
	// value (only those: a contact holds passport data).
	Fields map[int64]string `json:"fields,omitempty"`
}

// ReadInput names one entity to read, with related data (with=…).
type ReadInput struct {
	Account string   `json:"account"`
	ID      int64    `json:"id"`
	With    []string `json:"with,omitempty"`
	// Fields are the contact custom fields to return (ReadContact).
	Fields []int64 `json:"fields,omitempty"`
}

// Marker is a lead custom field whose value names one lead: the retail
// lead id in RET_ID, the source lead id in ID_LEAD_RET.
type Marker struct {
	FieldID int64  `json:"field_id"`
	Value   string `json:"value"`
}

// FindLeadInput searches the account's leads for the one marked so.
type FindLeadInput struct {
	Account string `json:"account"`
	Marker  Marker `json:"marker"`
	// PipelineID, when set, keeps only leads in that pipeline.
	PipelineID int64 `json:"pipeline_id,omitempty"`
}

// NewLeadInput creates a lead linked to existing contacts and a company, or
// together with a new contact (then in one POST /leads/complex).
type NewLeadInput struct {
	Account       string        `json:"account"`
	Name          string        `json:"name"`
	PipelineID    int64         `json:"pipeline_id"`
	StatusID      int64         `json:"status_id,omitempty"`
	ResponsibleID int64         `json:"responsible_id,omitempty"`
	Price         int64         `json:"price,omitempty"`
	Fields        []FieldValues `json:"fields,omitempty"`
	Tags          []Tag         `json:"tags,omitempty"`
	ContactIDs    []int64       `json:"contact_ids,omitempty"` // the first is the main contact
	CompanyID     int64         `json:"company_id,omitempty"`
	NewContact    *NewContact   `json:"new_contact,omitempty"`
	// Marker is set in Fields too; a retried attempt looks for a lead
	// carrying it before creating another (the answer may have been lost).
	Marker Marker `json:"marker"`
}

// PatchLeadInput changes a lead: zero fields are left alone; Tags replaces
// the lead's tags when SetTags is true.
type PatchLeadInput struct {
	Account       string        `json:"account"`
	ID            int64         `json:"id"`
	Name          string        `json:"name,omitempty"`
	PipelineID    int64         `json:"pipeline_id,omitempty"`
	StatusID      int64         `json:"status_id,omitempty"`
	Price         int64         `json:"price,omitempty"`
	ResponsibleID int64         `json:"responsible_id,omitempty"`
	Fields        []FieldValues `json:"fields,omitempty"`
	SetTags       bool          `json:"set_tags,omitempty"`
	Tags          []Tag         `json:"tags,omitempty"`
}

// PatchContactInput changes a contact's custom fields (each given field's
// values are replaced whole) and, when set, its responsible user.
type PatchContactInput struct {
	Account       string        `json:"account"`
	ID            int64         `json:"id"`
	ResponsibleID int64         `json:"responsible_id,omitempty"`
	Fields        []FieldValues `json:"fields,omitempty"`
}

// NoteCard is a note: common (Params.Text), service_message, or a call
// (call_in/call_out, whose params are copied whole).
type NoteCard struct {
	ID            int64             `json:"id,omitempty"`
	EntityID      int64             `json:"entity_id"`
	Type          string            `json:"type"`
	Params        amocrm.NoteParams `json:"params"`
	CreatedAt     int64             `json:"created_at,omitempty"`
	CreatedBy     int64             `json:"created_by,omitempty"`
	ResponsibleID int64             `json:"responsible_id,omitempty"`
}

// ListNotesInput lists an entity's notes, of the given types only if any.
type ListNotesInput struct {
	Account  string   `json:"account"`
	Entity   string   `json:"entity"` // leads, contacts, companies
	EntityID int64    `json:"entity_id"`
	Types    []string `json:"types,omitempty"`
}

// AddNotesInput adds up to 50 notes to entities of one type in one request.
type AddNotesInput struct {
	Account string     `json:"account"`
	Entity  string     `json:"entity"`
	Notes   []NoteCard `json:"notes"`
}

// UserInput names a user of an account.
type UserInput struct {
	Account string `json:"account"`
	ID      int64  `json:"id"`
}
