package amofake

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The entity types below are what the inspection and seeding methods take and
// return, and what /_fake/ speaks as JSON. The amoCRM API renders them in its
// own HAL shape (output.go and the entity files).

// Lead is an amoCRM lead (сделка). Times are unix seconds.
type Lead struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	Price             int64        `json:"price"`
	ResponsibleUserID int64        `json:"responsible_user_id"`
	GroupID           int64        `json:"group_id"`
	StatusID          int64        `json:"status_id"`
	PipelineID        int64        `json:"pipeline_id"`
	LossReasonID      int64        `json:"loss_reason_id,omitempty"`
	CreatedBy         int64        `json:"created_by"`
	UpdatedBy         int64        `json:"updated_by"`
	CreatedAt         int64        `json:"created_at"`
	UpdatedAt         int64        `json:"updated_at"`
	ClosedAt          int64        `json:"closed_at,omitempty"` // set when the status becomes 142 or 143
	IsDeleted         bool         `json:"is_deleted"`
	CustomFields      []FieldValue `json:"custom_fields_values"`
	Tags              []Tag        `json:"tags"`
	// ContactIDs (main contact first) and CompanyIDs are the linked entities.
	// Read from the links; AddLead creates links for them.
	ContactIDs []int64 `json:"contact_ids,omitempty"`
	CompanyIDs []int64 `json:"company_ids,omitempty"`
}

// Contact is an amoCRM contact.
type Contact struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	FirstName         string       `json:"first_name"`
	LastName          string       `json:"last_name"`
	ResponsibleUserID int64        `json:"responsible_user_id"`
	GroupID           int64        `json:"group_id"`
	CreatedBy         int64        `json:"created_by"`
	UpdatedBy         int64        `json:"updated_by"`
	CreatedAt         int64        `json:"created_at"`
	UpdatedAt         int64        `json:"updated_at"`
	IsDeleted         bool         `json:"is_deleted"`
	CustomFields      []FieldValue `json:"custom_fields_values"`
	Tags              []Tag        `json:"tags"`
	// LeadIDs and CompanyIDs are read from the links; AddContact links them.
	LeadIDs    []int64 `json:"lead_ids,omitempty"`
	CompanyIDs []int64 `json:"company_ids,omitempty"`
}

// Company is an amoCRM company.
type Company struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	ResponsibleUserID int64        `json:"responsible_user_id"`
	GroupID           int64        `json:"group_id"`
	CreatedBy         int64        `json:"created_by"`
	UpdatedBy         int64        `json:"updated_by"`
	CreatedAt         int64        `json:"created_at"`
	UpdatedAt         int64        `json:"updated_at"`
	IsDeleted         bool         `json:"is_deleted"`
	CustomFields      []FieldValue `json:"custom_fields_values"`
	Tags              []Tag        `json:"tags"`
	// LeadIDs and ContactIDs are read from the links; AddCompany links them.
	LeadIDs    []int64 `json:"lead_ids,omitempty"`
	ContactIDs []int64 `json:"contact_ids,omitempty"`
}

// CatalogElement is an element of a catalog (list), such as a course.
type CatalogElement struct {
	ID           int64        `json:"id"`
	CatalogID    int64        `json:"catalog_id"`
	Name         string       `json:"name"`
	CreatedBy    int64        `json:"created_by"`
	UpdatedBy    int64        `json:"updated_by"`
	CreatedAt    int64        `json:"created_at"`
	UpdatedAt    int64        `json:"updated_at"`
	IsDeleted    bool         `json:"is_deleted"`
	CustomFields []FieldValue `json:"custom_fields_values"`
}

// Note is a note on a lead, contact or company.
type Note struct {
	ID                int64          `json:"id"`
	EntityType        string         `json:"entity_type"` // leads, contacts or companies
	EntityID          int64          `json:"entity_id"`
	NoteType          string         `json:"note_type"` // common, service_message, call_in, call_out, …
	Params            map[string]any `json:"params"`
	ResponsibleUserID int64          `json:"responsible_user_id"`
	CreatedBy         int64          `json:"created_by"`
	UpdatedBy         int64          `json:"updated_by"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
}

// Task is a task, usually attached to an entity.
type Task struct {
	ID                int64  `json:"id"`
	EntityType        string `json:"entity_type,omitempty"`
	EntityID          int64  `json:"entity_id,omitempty"`
	Text              string `json:"text"`
	TaskTypeID        int64  `json:"task_type_id"`
	CompleteTill      int64  `json:"complete_till"`
	Duration          int64  `json:"duration"`
	IsCompleted       bool   `json:"is_completed"`
	ResultText        string `json:"result_text,omitempty"`
	ResponsibleUserID int64  `json:"responsible_user_id"`
	CreatedBy         int64  `json:"created_by"`
	UpdatedBy         int64  `json:"updated_by"`
	CreatedAt         int64  `json:"created_at"`
	UpdatedAt         int64  `json:"updated_at"`
}

// Link joins two entities. Links are symmetric: a lead linked to a contact
// shows up under GET /contacts/{id}/links as well. Metadata holds
// main_contact for contacts and quantity, catalog_id for catalog elements.
type Link struct {
	EntityType   string         `json:"entity_type"`
	EntityID     int64          `json:"entity_id"`
	ToEntityType string         `json:"to_entity_type"`
	ToEntityID   int64          `json:"to_entity_id"`
	Metadata     map[string]any `json:"metadata,omitempty"`
}

// Event is an entry of the account's event log (GET /api/v4/events).
type Event struct {
	ID          string `json:"id"`
	Type        string `json:"type"`        // lead_added, lead_status_changed, contact_added, company_added
	EntityType  string `json:"entity_type"` // lead, contact, company
	EntityID    int64  `json:"entity_id"`
	CreatedBy   int64  `json:"created_by"`
	CreatedAt   int64  `json:"created_at"`
	ValueBefore []any  `json:"value_before"`
	ValueAfter  []any  `json:"value_after"`
}

// Call is one request that reached an account, for the call log.
type Call struct {
	Method string    `json:"method"`
	Path   string    `json:"path"` // the route template, like "GET /api/v4/leads/{id}"
	Status int       `json:"status"`
	Time   time.Time `json:"time"`
}

// Tag is a tag. On write a zero ID means "find by Name, or create".
type Tag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// FieldValue is one custom field and its values (an element of
// custom_fields_values). On seeding, FieldCode "PHONE" or "EMAIL" with a
// zero FieldID stands for the account's phone or email field.
type FieldValue struct {
	FieldID   int64   `json:"field_id"`
	FieldCode string  `json:"field_code,omitempty"`
	Values    []Value `json:"values"`
}

// Value is one value of a custom field: a string, a json.Number or a bool,
// as the client sent it.
type Value struct {
	Value    any    `json:"value"`
	EnumID   int64  `json:"enum_id,omitempty"`
	EnumCode string `json:"enum_code,omitempty"`
}

// Text is a custom field with text values, for seeding.
func Text(fieldID int64, values ...string) FieldValue {
	f := FieldValue{FieldID: fieldID}
	for _, v := range values {
		f.Values = append(f.Values, Value{Value: v})
	}
	return f
}

// Phone is the PHONE field with WORK numbers, for seeding contacts and companies.
func Phone(numbers ...string) FieldValue {
	f := Text(0, numbers...)
	f.FieldCode = "PHONE"
	for i := range f.Values {
		f.Values[i].EnumCode = "WORK"
	}
	return f
}

// Email is the EMAIL field with WORK addresses, for seeding.
func Email(addrs ...string) FieldValue {
	f := Phone(addrs...)
	f.FieldCode = "EMAIL"
	return f
}

// FirstValue returns the first value of the field with the given id as text,
// or "" when the entity does not have the field.
func FirstValue(fields []FieldValue, fieldID int64) string {
	for _, f := range fields {
		if f.FieldID == fieldID && len(f.Values) > 0 {
			return valueText(f.Values[0].Value)
		}
	}
	return ""
}

// valueText is a value as the search and FirstValue see it.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// cloneFields deep-copies custom fields so callers cannot reach the store.
func cloneFields(fs []FieldValue) []FieldValue {
	if fs == nil {
		return nil
	}
	out := make([]FieldValue, len(fs))
	for i, f := range fs {
		f.Values = slices.Clone(f.Values)
		out[i] = f
	}
	return out
}

func (l *Lead) clone() *Lead {
	c := *l
	c.CustomFields, c.Tags = cloneFields(l.CustomFields), slices.Clone(l.Tags)
	c.ContactIDs, c.CompanyIDs = nil, nil
	return &c
}

func (c *Contact) clone() *Contact {
	d := *c
	d.CustomFields, d.Tags = cloneFields(c.CustomFields), slices.Clone(c.Tags)
	d.LeadIDs, d.CompanyIDs = nil, nil
	return &d
}

func (c *Company) clone() *Company {
	d := *c
	d.CustomFields, d.Tags = cloneFields(c.CustomFields), slices.Clone(c.Tags)
	d.LeadIDs, d.ContactIDs = nil, nil
	return &d
}

func (e *CatalogElement) clone() *CatalogElement {
	d := *e
	d.CustomFields = cloneFields(e.CustomFields)
	return &d
}

// common points at the fields leads, contacts and companies share, so that
// one reader (input.go) and one renderer (output.go) serve all three.
type common struct {
	entity                                   string // leads, contacts or companies
	id                                       *int64
	name                                     *string
	responsible, group, createdBy, updatedBy *int64
	createdAt, updatedAt                     *int64
	isDeleted                                *bool
	fields                                   *[]FieldValue
	tags                                     *[]Tag
}

func (l *Lead) common() common {
	return common{"leads", &l.ID, &l.Name, &l.ResponsibleUserID, &l.GroupID, &l.CreatedBy, &l.UpdatedBy,
		&l.CreatedAt, &l.UpdatedAt, &l.IsDeleted, &l.CustomFields, &l.Tags}
}

func (c *Contact) common() common {
	return common{"contacts", &c.ID, &c.Name, &c.ResponsibleUserID, &c.GroupID, &c.CreatedBy, &c.UpdatedBy,
		&c.CreatedAt, &c.UpdatedAt, &c.IsDeleted, &c.CustomFields, &c.Tags}
}

func (c *Company) common() common {
	return common{"companies", &c.ID, &c.Name, &c.ResponsibleUserID, &c.GroupID, &c.CreatedBy, &c.UpdatedBy,
		&c.CreatedAt, &c.UpdatedAt, &c.IsDeleted, &c.CustomFields, &c.Tags}
}
