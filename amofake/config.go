package amofake

import "time"

// Config configures a [Server].
type Config struct {
	Accounts []AccountConfig
	// AccessTTL is how long an access token works (amoCRM: 24h, the default).
	// Tests set it short to exercise the refresh-on-401 path.
	AccessTTL time.Duration
	// RefreshTTL is how long an unused refresh token works (default 90 days).
	RefreshTTL time.Duration
	// RPS is the number of API requests an account may make in any one-second
	// window before it gets 429 (amoCRM: 7, the default). Negative disables.
	RPS int
	// Now is the clock (default time.Now). Token expiry, the rate-limit window
	// and entity timestamps all read it, so tests can step it.
	Now func() time.Time
}

// AccountConfig is one amoCRM account.
type AccountConfig struct {
	Subdomain string
	AccountID int64
	// ClientID and ClientSecret are the integration's credentials. When both
	// are empty the token endpoint accepts any.
	ClientID, ClientSecret string
	// RedirectURI, when set, must match the redirect_uri of every token
	// request, as the integration's settings in amoCRM do.
	RedirectURI string
	Users       []User
	// LeadFields, ContactFields, CompanyFields and CatalogFields are the known
	// custom-field ids; a write naming another id is a 400 validation error.
	// An empty list accepts any id (and registers it as a text field).
	LeadFields, ContactFields, CompanyFields, CatalogFields []int64
	// PhoneField and EmailField are the ids behind field_code PHONE and EMAIL
	// on contacts and companies (amoCRM shares them between the two).
	// Zero picks a fixed id (DefaultPhoneField, DefaultEmailField).
	PhoneField, EmailField int64
	// FieldNames names custom fields in custom_fields answers (optional).
	FieldNames map[int64]string
	CatalogIDs []int64
	// Tags seeds the lead tags, name → id.
	Tags map[string]int64
	// DefaultPipelineID and DefaultStatusID are used for a lead created
	// without them (amoCRM uses the main pipeline and its first stage).
	DefaultPipelineID, DefaultStatusID int64
	// Pipelines are served by GET /api/v4/leads/pipelines; each gets the
	// closing statuses 142 and 143 as amoCRM's do. Empty serves one
	// pipeline, DefaultPipelineID with DefaultStatusID.
	Pipelines []Pipeline
	// FieldTypes gives fields a type other than text (id → type).
	FieldTypes map[int64]string
}

// Pipeline is a lead pipeline and the ids of its open statuses.
type Pipeline struct {
	ID       int64
	Name     string
	Statuses []int64
}

// User is an amoCRM user.
type User struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Inactive users are listed with rights.is_active=false; the zero value is active.
	Inactive bool `json:"inactive,omitempty"`
}

// Fixed ids for PHONE and EMAIL when the account config gives none.
const (
	DefaultPhoneField int64 = 900001
	DefaultEmailField int64 = 900002
)

func (c *Config) setDefaults() {
	if c.AccessTTL == 0 {
		c.AccessTTL = 24 * time.Hour
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = 90 * 24 * time.Hour
	}
	if c.RPS == 0 {
		c.RPS = 7
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}
