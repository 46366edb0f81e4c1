package amowebhook

// Entity kinds. Other entities (customers, unsorted, task, …) keep amoCRM's name.
const (
	Leads     = "leads"
	Contacts  = "contacts"
	Companies = "companies"
)

// Actions amoCRM reports.
const (
	ActionAdd         = "add"
	ActionUpdate      = "update"
	ActionStatus      = "status"
	ActionResponsible = "responsible"
	ActionDelete      = "delete"
	ActionRestore     = "restore"
	ActionNote        = "note"
)

// Delivery is one webhook request.
type Delivery struct {
	// AccountID and Subdomain come from account[id] and account[subdomain].
	AccountID int64
	Subdomain string
	// Events are every entity of every action, ordered by entity, action and index.
	Events []Event
	// Fields are the plain keys of the body (no brackets), for callers that
	// post a flat form to a webhook URL.
	Fields map[string]string
	// Rejected are the events that could not be read, by event name.
	Rejected []Rejection
}

// Event is one entity of one action: leads[status][3][…] is the event with
// Entity "leads", Action "status", Index 3.
type Event struct {
	Entity string `json:"entity"`
	Action string `json:"action"`
	Index  int    `json:"index"`
	ID     int64  `json:"id"`
	// Type is contacts' [type] as sent ("contact" or "company").
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`

	StatusID      int64 `json:"status_id,omitempty"`
	PipelineID    int64 `json:"pipeline_id,omitempty"`
	OldStatusID   int64 `json:"old_status_id,omitempty"`
	OldPipelineID int64 `json:"old_pipeline_id,omitempty"`
	Price         int64 `json:"price,omitempty"`

	ResponsibleUserID    int64 `json:"responsible_user_id,omitempty"`
	OldResponsibleUserID int64 `json:"old_responsible_user_id,omitempty"`
	ModifiedUserID       int64 `json:"modified_user_id,omitempty"`
	CreatedUserID        int64 `json:"created_user_id,omitempty"`
	AccountID            int64 `json:"account_id,omitempty"`
	CompanyID            int64 `json:"linked_company_id,omitempty"`

	// Times, Unix seconds (0 when absent).
	CreatedAt    int64 `json:"created_at,omitempty"`
	UpdatedAt    int64 `json:"updated_at,omitempty"`
	LastModified int64 `json:"last_modified,omitempty"`

	CustomFields  []CustomField `json:"custom_fields,omitempty"`
	Tags          []Tag         `json:"tags,omitempty"`
	LinkedLeadIDs []int64       `json:"linked_leads_id,omitempty"`
	Note          *Note         `json:"note,omitempty"`

	// Other holds the remaining fields by path ("company_name",
	// "_links.self", …), as sent.
	Other map[string]string `json:"other,omitempty"`
}

// CustomField is one custom field of an entity in a full webhook.
type CustomField struct {
	ID     int64        `json:"id"`
	Name   string       `json:"name,omitempty"`
	Code   string       `json:"code,omitempty"`
	Values []FieldValue `json:"values,omitempty"`
}

// FieldValue is one value; Enum is the enum id of list fields.
type FieldValue struct {
	Value string `json:"value,omitempty"`
	Enum  int64  `json:"enum,omitempty"`
}

// Tag is a tag of the entity.
type Tag struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Note is the note of a note event (leads[note][0][note][…]).
type Note struct {
	ID          int64  `json:"id,omitempty"`
	Type        string `json:"note_type,omitempty"`
	Text        string `json:"text,omitempty"`
	ElementID   int64  `json:"element_id,omitempty"`
	ElementType int64  `json:"element_type,omitempty"`
	CreatedBy   int64  `json:"created_by,omitempty"`
	CreatedAt   int64  `json:"date_create,omitempty"`
	UpdatedAt   int64  `json:"last_modified,omitempty"`
}

// ModifiedAt is when the entity was last changed, as far as the event says:
// last_modified, else updated_at, else the note's times; 0 when the event
// carries none (digital-pipeline hooks).
func (e Event) ModifiedAt() int64 {
	switch {
	case e.LastModified != 0:
		return e.LastModified
	case e.UpdatedAt != 0:
		return e.UpdatedAt
	case e.Note != nil && e.Note.UpdatedAt != 0:
		return e.Note.UpdatedAt
	case e.Note != nil:
		return e.Note.CreatedAt
	}
	return 0
}

// Field returns the custom field with the given id, or nil.
func (e Event) Field(id int64) *CustomField {
	for i := range e.CustomFields {
		if e.CustomFields[i].ID == id {
			return &e.CustomFields[i]
		}
	}
	return nil
}
