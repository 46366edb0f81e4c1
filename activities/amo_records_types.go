package activities

// Types of the amoCRM activities of the 1C flows (amo_1c.go). One record
// type serves leads, contacts, companies and catalog elements: the flows
// read a few fields of each, by custom-field id.

// AmoRecord is an amoCRM entity as the 1C flows see it. A zero ID means
// amoCRM has no such entity.
type AmoRecord struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name,omitempty"`
	FirstName     string           `json:"first_name,omitempty"`
	LastName      string           `json:"last_name,omitempty"`
	ResponsibleID int64            `json:"responsible_id,omitempty"`
	PipelineID    int64            `json:"pipeline_id,omitempty"`
	StatusID      int64            `json:"status_id,omitempty"`
	Price         int64            `json:"price,omitempty"`
	CreatedAt     int64            `json:"created_at,omitempty"`
	Fields        map[int64]string `json:"fields,omitempty"` // field id → first value as text
	Phones        []string         `json:"phones,omitempty"`
	Emails        []string         `json:"emails,omitempty"`
	// Links: a lead's contacts (main first), company and catalog elements;
	// a contact's leads and companies.
	ContactIDs []int64     `json:"contact_ids,omitempty"`
	CompanyIDs []int64     `json:"company_ids,omitempty"`
	LeadIDs    []int64     `json:"lead_ids,omitempty"`
	Elements   []AmoLinkTo `json:"elements,omitempty"`
}

// AmoRef names one entity: Entity is leads, contacts, companies or
// catalog_elements (then CatalogID is needed).
type AmoRef struct {
	Account   string `json:"account"`
	Entity    string `json:"entity"`
	ID        int64  `json:"id"`
	CatalogID int64  `json:"catalog_id,omitempty"`
}

// AmoRefs names several entities of one type.
type AmoRefs struct {
	Account string  `json:"account"`
	Entity  string  `json:"entity"`
	IDs     []int64 `json:"ids"`
}

// AmoSearch runs amoCRM's fuzzy search; the caller verifies the hits.
type AmoSearch struct {
	Account   string `json:"account"`
	Entity    string `json:"entity"`
	CatalogID int64  `json:"catalog_id,omitempty"`
	Query     string `json:"query"`
}

// AmoWrite creates (ID 0) or updates an entity. Zero values are left alone;
// Fields are written as text, Dates as Unix seconds; Phones and Emails,
// when given, replace the PHONE and EMAIL values.
type AmoWrite struct {
	Account       string           `json:"account"`
	Entity        string           `json:"entity"`
	CatalogID     int64            `json:"catalog_id,omitempty"`
	ID            int64            `json:"id,omitempty"`
	Name          string           `json:"name,omitempty"`
	FirstName     string           `json:"first_name,omitempty"`
	LastName      string           `json:"last_name,omitempty"`
	PipelineID    int64            `json:"pipeline_id,omitempty"`
	StatusID      int64            `json:"status_id,omitempty"`
	Price         int64            `json:"price,omitempty"`
	ResponsibleID int64            `json:"responsible_id,omitempty"`
	Fields        map[int64]string `json:"fields,omitempty"`
	Dates         map[int64]int64  `json:"dates,omitempty"`
	Phones        []string         `json:"phones,omitempty"`
	Emails        []string         `json:"emails,omitempty"`
	Tags          []Tag            `json:"tags,omitempty"`
	// A new lead is linked to these (the first contact is the main one).
	ContactIDs []int64 `json:"contact_ids,omitempty"`
	CompanyID  int64   `json:"company_id,omitempty"`
	// Probe finds what an earlier attempt of a create made, when its
	// answer was lost: a retried attempt searches Probe.Query and takes a
	// hit whose field Probe.FieldID holds Probe.Value (or, without a
	// field, whose name is Probe.Value).
	Probe AmoProbe `json:"probe"`
}

// AmoProbe is how a retried create recognizes its own entity.
type AmoProbe struct {
	Query   string `json:"query,omitempty"`
	FieldID int64  `json:"field_id,omitempty"`
	Value   string `json:"value,omitempty"`
}

// AmoLinks links an entity to others.
type AmoLinks struct {
	Account string      `json:"account"`
	Entity  string      `json:"entity"`
	ID      int64       `json:"id"`
	Links   []AmoLinkTo `json:"links"`
}

// AmoLinkTo is the other end of a link. Catalog elements need CatalogID
// (and get Quantity 1 unless given).
type AmoLinkTo struct {
	Entity    string  `json:"entity"`
	ID        int64   `json:"id"`
	CatalogID int64   `json:"catalog_id,omitempty"`
	Quantity  float64 `json:"quantity,omitempty"`
}

// AdminTaskInput sets a task on an entity for an administrator.
type AdminTaskInput struct {
	Account       string `json:"account"`
	Entity        string `json:"entity"`
	EntityID      int64  `json:"entity_id"`
	TypeID        int64  `json:"type_id"`
	ResponsibleID int64  `json:"responsible_id"`
	Text          string `json:"text"`
	CompleteTill  int64  `json:"complete_till"` // Unix seconds
}

// AmoUser is a user of an account.
type AmoUser struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
	Active bool   `json:"active"`
}

// DeleteElementsInput deletes catalog elements (legacy v2 API).
type DeleteElementsInput struct {
	Account string  `json:"account"`
	IDs     []int64 `json:"ids"`
}
