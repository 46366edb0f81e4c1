// Package config loads amoflow's YAML configuration, expands ${ENV} references
// in it and validates it, so that a bad value stops the process at start with
// a message naming the key.
package config

import (
	"bytes"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration of every amoflow role.
type Config struct {
	HTTP      HTTP                `yaml:"http"`
	Inbound   Inbound             `yaml:"inbound"`
	Postgres  Postgres            `yaml:"postgres"`
	RabbitMQ  RabbitMQ            `yaml:"rabbitmq"`
	Temporal  Temporal            `yaml:"temporal"`
	Accounts  map[string]*Account `yaml:"accounts"`
	OneC      OneC                `yaml:"onec"`
	EventsAPI EventsAPI           `yaml:"events_api"`
	// Guards are the rules of the webhook methods ported from the C#
	// integration that are not ids of an account (config/guards.go).
	Guards Guards `yaml:"guards"`
	// LK is the students' personal account service (config/lk.go).
	LK LK `yaml:"lk"`
	// Webinar is webinar.ru's user API (config/webinar.go).
	Webinar Webinar `yaml:"webinar"`
	// TokenKey, when set, encrypts OAuth tokens at rest (32 bytes, base64).
	TokenKey string `yaml:"token_key"`
	// TokenKeys encrypt OAuth tokens at rest with a key id, newest first
	// (the first seals, every one opens); see config/privacy.go.
	TokenKeys KeyRing `yaml:"token_keys"`
	// AllowPlaintextTokens lets a production role run without a token key.
	AllowPlaintextTokens bool `yaml:"allow_plaintext_tokens"`
	// AmoCRM tunes token refresh and the paused-account behaviour.
	AmoCRM AmoCRM `yaml:"amocrm"`
	// Shadow keeps the writes planned in shadow mode (config/shadow.go).
	Shadow Shadow `yaml:"shadow"`
	// EGRUL and Widgets serve the old PHP widgets (widgets.go).
	EGRUL   EGRUL   `yaml:"egrul"`
	Widgets Widgets `yaml:"widgets"`
	// Ucheba is the nightly ucheba.ru import (config/ucheba.go).
	Ucheba Ucheba `yaml:"ucheba"`
}

// AmoCRM tunes how the amoCRM client keeps its tokens and treats an
// account that cannot work (see README, "Operating it"). Zero values take
// the defaults.
type AmoCRM struct {
	// RefreshFraction of an access token's lifetime after which it is
	// refreshed (default 0.5: 12 of amoCRM's 24 hours).
	RefreshFraction float64 `yaml:"refresh_fraction"`
	// RefreshRetry is how long a still valid pair is used after a failed
	// refresh before the next attempt (default 30s).
	RefreshRetry time.Duration `yaml:"refresh_retry"`
	// PauseRetry is how often a paused activity (account needs
	// re-authorization or is misconfigured) tries again (default 30s, at most 30s).
	PauseRetry time.Duration `yaml:"pause_retry"`
	// BlockCooldown is how long an account blocked by amoCRM (403) rests
	// between probes, cluster-wide (default 1m).
	BlockCooldown time.Duration `yaml:"block_cooldown"`
	// BudgetGuard is the margin of each account's cluster-wide request
	// budget: rps requests are spaced over 1 s plus this (default 40ms; see
	// amocrm.DefaultBudgetGuard).
	BudgetGuard time.Duration `yaml:"budget_guard"`
}

// HTTP is the starter's listener.
type HTTP struct {
	Addr string `yaml:"addr"`
	// PublicURL is how callers reach us; status_url values are built on it.
	PublicURL string `yaml:"public_url"`
	// BodyLimit caps every inbound request body, in bytes.
	BodyLimit int64 `yaml:"body_limit"`

	// AdminAddr is the operator's listener of every role: /metrics, /readyz
	// and the payload codec. Loopback by default; never the public address.
	AdminAddr string `yaml:"admin_addr"`
	// publicURLDefaulted is true when public_url was not configured and
	// points at the listen address (fine in dev, wrong behind a proxy).
	publicURLDefaulted bool
}

// Inbound holds what callers must present and what the starter accepts.
type Inbound struct {
	// WebhookToken authenticates amoCRM webhooks; amoCRM cannot send headers,
	// so it travels in the hook URL (?token=).
	WebhookToken string `yaml:"webhook_token"`
	// OneCToken authenticates 1C calls (header X-Amoflow-Token).
	OneCToken string `yaml:"onec_token"`
	// OneCLegacySecret is the secret_key of the old course-sync endpoint
	// (POST /amo/api?update_course…); empty disables that route.
	OneCLegacySecret string `yaml:"onec_legacy_secret"`
	// CORSOrigins may post site forms from a browser (no credentials).
	CORSOrigins []string `yaml:"cors_origins"`
	// DedupWindow is how long an identical form submission maps to the same job.
	DedupWindow time.Duration `yaml:"dedup_window"`
	// LegacyWebhooks enables the old token-less /amo/webhooks/?method route.
	LegacyWebhooks LegacyWebhooks `yaml:"legacy_webhooks"`
	// Legacy switches on the old systems' other URLs (legacy.go).
	Legacy Legacy `yaml:"legacy"`

	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For is believed: a request from one of them comes from the
	// rightmost X-Forwarded-For hop that is not itself trusted. Every route
	// that needs the client's address (the form rate limit, the legacy
	// webhook allow-list) uses it. Empty: the connecting address is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// FormRate limits site forms per client address (an IPv6 client by its
	// /64). Absent: the default; rps 0 turns the limit off.
	FormRate *Rate `yaml:"form_rate"`
	// HoneypotField is a form field the site hides from people; a form with
	// it filled is a bot's and is refused (400). Empty: no honeypot.
	HoneypotField string `yaml:"honeypot_field"`
	// IdempotencyTTL is how long an Idempotency-Key stays bound to the body
	// first sent with it; keep it at least Temporal's retention.
	IdempotencyTTL time.Duration `yaml:"idempotency_ttl"`
	// JobsSecret signs status_url capabilities (HMAC of the job id); every
	// starter replica needs the same one.
	JobsSecret string `yaml:"jobs_secret"`
}

// Rate is a token bucket: RPS requests a second on average, Burst at once.
type Rate struct {
	RPS   float64 `yaml:"rps"`
	Burst int     `yaml:"burst"`
}

// DefaultFormRate lets a person (or an office behind one address) send a
// burst of 10 forms, then one every 5 s; a bot on one address gets about
// 0.8 amoCRM calls a second, not the account's whole budget.
var DefaultFormRate = Rate{RPS: 0.2, Burst: 10}

// LegacyWebhooks guards the old hook URLs, which carry no token.
type LegacyWebhooks struct {
	Enabled   bool     `yaml:"enabled"`
	AllowFrom []string `yaml:"allow_from"` // CIDRs or addresses
}

// Postgres is the database holding tokens and flow state.
type Postgres struct {
	URL string `yaml:"url"`
}

// DefaultMaxOpenForms is rabbitmq.max_open_forms when unset. Two measures
// pull apart (BENCHMARKS.md, "Scale ceiling" and "Priority"): forms that wait
// in Temporal are served fairly across sites (fairness keys), forms that wait
// in RabbitMQ first come, first served, so a large cap keeps one site's flood
// from delaying the other sites' forms; but where the process's CPU, not
// amoCRM's budget, is the limit, a Temporal backlog costs a third more CPU
// per form, and 50 held one 2-core `amoflow dev` at its peak (17 forms/s)
// where 500 fell to 13. amoCRM's budget (under 2 forms/s per account) is the
// limit in production, so the default favours fairness: 1000 forms per
// account is over ten minutes of an account's budget. Set 50 where CPU is
// the limit.
const DefaultMaxOpenForms = 1000

// RabbitMQ is the durable inbox between the starter and the bridge.
type RabbitMQ struct {
	URL string `yaml:"url"`
	// Prefix names the queues and exchanges (prefix.forms, prefix.dead, …).
	Prefix string `yaml:"prefix"`
	// Prefetch bounds unacked messages per bridge consumer.
	Prefetch int `yaml:"prefetch"`
	// MaxOpenForms caps the form workflows running in Temporal: past it the
	// bridge leaves forms in their queue, because a backlog moved into
	// Temporal at once competes for the CPU and completes fewer (BENCHMARKS.md,
	// "Scale ceiling"). Counted per account (with search attributes on).
	// Webhooks and 1C are never held. Default 1000; negative: no cap.
	MaxOpenForms int `yaml:"max_open_forms"`
	// HoldLimit is how long the bridge holds a message unacked while it
	// waits (the form cap, an unreachable Temporal) before it puts the
	// message back at the tail of its queue. It must stay below the broker's
	// consumer_timeout (RabbitMQ's default: 30 min), which would otherwise
	// close the channel and count a failed delivery against DeliveryLimit,
	// so that a long outage dead-letters nothing. Default 10m.
	HoldLimit time.Duration `yaml:"hold_limit"`
	// DeliveryLimit dead-letters a message redelivered this many times.
	DeliveryLimit int `yaml:"delivery_limit"`
	// MaxLength caps each work queue's ready messages; when a queue is full
	// the broker refuses new ones and the starter answers 503 (default
	// 100000; negative: no cap).
	MaxLength int `yaml:"max_length"`
	// DeadTTL is how long the dead-letter queue keeps a message (default
	// 720h = 30 days; negative: forever).
	DeadTTL time.Duration `yaml:"dead_ttl"`
}

// Temporal is the workflow service.
type Temporal struct {
	HostPort  string `yaml:"host_port"`
	Namespace string `yaml:"namespace"`
	// TaskQueue runs workflows; amoCRM activities run on per-account queues
	// derived from it (see Account.TaskQueue).
	TaskQueue string `yaml:"task_queue"`
	// DataDir holds the embedded dev server's SQLite file (amoflow dev only).
	DataDir string `yaml:"data_dir"`
	// UIPort is the embedded Web UI's port (amoflow dev only).
	UIPort int `yaml:"ui_port"`
	// SearchAttributes sets AmoAccount and AmoLeadID on workflows; they must
	// be registered in the namespace (amoflow dev registers them itself).
	SearchAttributes bool `yaml:"search_attributes"`
	// PayloadKeys encrypt every workflow payload, newest first (the first
	// encrypts, every one decrypts); see config/privacy.go.
	PayloadKeys KeyRing `yaml:"payload_keys"`
	// AllowPlaintextPayloads lets a production role run without payload keys.
	AllowPlaintextPayloads bool `yaml:"allow_plaintext_payloads"`
	// Codec is the codec server the Temporal UI decrypts payloads with.
	Codec Codec `yaml:"codec"`
}

// OneC is the outbound 1C HTTP API.
type OneC struct {
	BaseURL  string        `yaml:"base_url"`
	Username string        `yaml:"username"`
	Password string        `yaml:"password"`
	Timeout  time.Duration `yaml:"timeout"`
	// PartnerKeys spells EditPartner's ogrn/inn/kpp/bik: "lower" (default,
	// as the PHP integration) or "upper" (OGRN/INN/KPP/BIK, as the C# one).
	PartnerKeys string `yaml:"partner_keys"`
	// RetryFor is how long a failing 1C call is retried before the flow
	// gives up with a note and an admin task.
	RetryFor time.Duration `yaml:"retry_for"`
	// EchoTTL is how long an amoCRM entity written on 1C's behalf is not
	// synced back to 1C.
	EchoTTL time.Duration `yaml:"echo_ttl"`
	// UnsureWait is how long a transfer whose 1C create lost its answer
	// waits for an operator to settle it (default 7 days), then fails.
	UnsureWait time.Duration `yaml:"unsure_wait"`
	// RetailAccount and CorporateAccount are the accounts 1C's orders go to
	// (is_corporate selects the corporate one); CourseAccounts hold the
	// course catalog, in the order of the amo_ids answered (default:
	// corporate, then retail).
	RetailAccount    string   `yaml:"retail_account"`
	CorporateAccount string   `yaml:"corporate_account"`
	CourseAccounts   []string `yaml:"course_accounts"`
	// OrganizationAccounts sends orders of an organization to another
	// account (e.g. the PPIE one); organizations not listed use the above.
	OrganizationAccounts map[string]string `yaml:"organization_accounts"`
	// Managers are the corporate users the LK may assign (getManagers).
	Managers []int64 `yaml:"managers"`
	// SenseiCallbackURL is called with ?result=changed&hash= after a
	// successful change of responsible requested with a sensei_hash.
	SenseiCallbackURL string `yaml:"sensei_callback_url"`
	// StudyGroups places study-group leads from 1C (docs/flows.md#studygrouplead).
	StudyGroups StudyGroups `yaml:"study_groups"`
	// PriceTypes are the 1C price types a course's price is read from.
	PriceTypes PriceTypes `yaml:"price_types"`
	// Mode is "live" or "shadow" (1C writes planned and recorded, not
	// sent); it defaults to shadow while any account is in shadow mode.
	Mode string `yaml:"mode"`
}

// PriceTypes are 1C price-type UIDs (docs/flows.md#coursefrom1c). Empty ones
// fall back to the course's first price.
type PriceTypes struct {
	Distance   string `yaml:"distance"`   // short_name contains "-Д"
	Individual string `yaml:"individual"` // short_name contains "-И"
	Default    string `yaml:"default"`    // any other course
	Fallback   string `yaml:"fallback"`   // when the chosen price is missing or 0
}

// StudyGroups is where study-group leads go in the retail account.
type StudyGroups struct {
	PipelineID int64 `yaml:"pipeline_id"`
	// DistancePipelineID is used when the group's responsible is one of DistanceManagers.
	DistancePipelineID int64    `yaml:"distance_pipeline_id"`
	DistanceManagers   []string `yaml:"distance_managers"`
	Tag                string   `yaml:"tag"`
	StudyForm          string   `yaml:"study_form"`
	StudyType          string   `yaml:"study_type"`
}

// AccountOneC is how an account's leads are transferred to 1C.
type AccountOneC struct {
	// RequireProduct refuses a lead without a product (retail).
	RequireProduct bool `yaml:"require_product"`
	// The admin task set when a transfer fails: type, responsible and the
	// hour (Moscow) of the next day it is due.
	TaskTypeID      int64 `yaml:"task_type_id"`
	TaskResponsible int64 `yaml:"task_responsible"`
	TaskDueHour     int   `yaml:"task_due_hour"`
}

// EventsAPI is the site's activities API (docs/flows.md#processevents).
type EventsAPI struct {
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"`
}

// Account is one amoCRM account and every id the flows use in it.
type Account struct {
	Name      string `yaml:"-"`
	Subdomain string `yaml:"subdomain"`
	AccountID int64  `yaml:"account_id"`
	// BaseURL defaults to https://{subdomain}.amocrm.ru.
	BaseURL      string `yaml:"base_url"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	RedirectURI  string `yaml:"redirect_uri"`
	// RPS is this account's amoCRM request budget for the whole cluster.
	RPS float64 `yaml:"rps"`

	CatalogID          int64  `yaml:"catalog_id"`
	Intake             Stage  `yaml:"intake"`
	DefaultResponsible int64  `yaml:"default_responsible"`
	Merge              Merge  `yaml:"merge"`
	LeadName           string `yaml:"lead_name"`

	// FormFields maps a site-form field (docs/flows.md#form-fields) to a lead custom field id.
	FormFields map[string]int64 `yaml:"form_fields"`
	// FormTags adds tags (by name) to a form's lead when form_name_site contains a text.
	FormTags []TagRule `yaml:"form_tags"`
	// FormResponsible lets a form's responsible field (an amoCRM user id)
	// name the new lead's responsible (the corporate site form).
	FormResponsible bool `yaml:"form_responsible"`
	// SiteForm holds the form's webinar, event, tag and company rules (config/site_form.go).
	SiteForm SiteForm `yaml:"site_form"`

	LeadFields    map[string]int64 `yaml:"lead_fields"`
	ContactFields map[string]int64 `yaml:"contact_fields"`
	CompanyFields map[string]int64 `yaml:"company_fields"`
	CatalogFields map[string]int64 `yaml:"catalog_fields"`
	Pipelines     map[string]int64 `yaml:"pipelines"`
	Statuses      map[string]int64 `yaml:"statuses"`
	Users         map[string]int64 `yaml:"users"`
	ManagerPool   []int64          `yaml:"manager_pool"`
	// Tags are the account's known tags, name → id; flows resolve tags by name.
	Tags map[string]int64 `yaml:"tags"`
	// OneC is how leads of this account go to 1C.
	OneC AccountOneC `yaml:"onec"`
	// Mode is "live" (default) or "shadow": every amoCRM write of the
	// account is planned and recorded instead of sent (config/shadow.go).
	Mode string `yaml:"mode"`
	// ShadowFlows, on a live account, shadows only these flows (workflow
	// type names, e.g. CreateLeadFromForm).
	ShadowFlows []string `yaml:"shadow_flows"`
	// InitialLead is the initial_lead method's tables (config/initial_lead.go).
	InitialLead InitialLead `yaml:"initial_lead"`
	// SetCourse and UnsortedAccept are those methods' rules (config/initial_lead.go).
	SetCourse      SetCourse      `yaml:"setcourse"`
	UnsortedAccept UnsortedAccept `yaml:"unsorted_accept"`
}

// Stage is a pipeline and a status in it.
type Stage struct {
	PipelineID int64 `yaml:"pipeline_id"`
	StatusID   int64 `yaml:"status_id"`
}

// Merge says which open leads a site form may be merged into.
type Merge struct {
	ExcludedPipelines []int64 `yaml:"excluded_pipelines"`
	ExcludedStatuses  []int64 `yaml:"excluded_statuses"`
}

// TagRule adds Tag when the form name contains Contains (case-sensitive, as the old system).
type TagRule struct {
	Contains string `yaml:"contains"`
	Tag      string `yaml:"tag"`
}

// Load reads the file at path, expands ${VAR} and ${VAR:-default} in its values,
// applies defaults and validates the result.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse is Load without the file.
func Parse(raw []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	expandNode(&root)
	// Re-encode so that unknown keys are reported by the strict decoder.
	buf, err := yaml.Marshal(&root)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(buf))
	dec.KnownFields(true)
	cfg := &Config{}
	if err := dec.Decode(cfg); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// expandNode replaces ${VAR} references in scalar values. A plain scalar is
// re-typed after expansion so that "${RPS}" can fill a number.
func expandNode(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		n.Value = os.Expand(n.Value, lookupEnv)
		if n.Style == 0 {
			n.Tag = ""
		}
	}
	for _, c := range n.Content {
		expandNode(c)
	}
}

// lookupEnv supports NAME and NAME:-default.
func lookupEnv(expr string) string {
	name, def, hasDef := strings.Cut(expr, ":-")
	if v, ok := os.LookupEnv(name); ok && (v != "" || !hasDef) {
		return v
	}
	return def
}

func (c *Config) applyDefaults() {
	setDefault(&c.HTTP.Addr, "127.0.0.1:8080")
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://" + c.HTTP.Addr
		c.HTTP.publicURLDefaulted = true
	}
	setDefault(&c.HTTP.AdminAddr, "127.0.0.1:9090")
	c.HTTP.PublicURL = strings.TrimRight(c.HTTP.PublicURL, "/")
	if c.HTTP.BodyLimit == 0 {
		c.HTTP.BodyLimit = 64 << 10
	}
	if c.Inbound.DedupWindow == 0 {
		c.Inbound.DedupWindow = 10 * time.Minute
	}
	if c.Inbound.FormRate == nil {
		r := DefaultFormRate
		c.Inbound.FormRate = &r
	}
	if c.Inbound.IdempotencyTTL == 0 {
		c.Inbound.IdempotencyTTL = 30 * 24 * time.Hour
	}
	c.legacyDefaults()
	c.shadowDefaults()
	c.widgetDefaults()
	setDefault(&c.RabbitMQ.URL, "amqp://guest:guest@127.0.0.1:5672/")
	setDefault(&c.RabbitMQ.Prefix, "amoflow")
	if c.RabbitMQ.Prefetch == 0 {
		c.RabbitMQ.Prefetch = 32
	}
	if c.RabbitMQ.MaxOpenForms == 0 {
		c.RabbitMQ.MaxOpenForms = DefaultMaxOpenForms
	}
	if c.RabbitMQ.HoldLimit == 0 {
		c.RabbitMQ.HoldLimit = 10 * time.Minute
	}
	if c.RabbitMQ.DeliveryLimit == 0 {
		c.RabbitMQ.DeliveryLimit = 20
	}
	if c.RabbitMQ.MaxLength == 0 {
		c.RabbitMQ.MaxLength = 100000
	}
	if c.RabbitMQ.DeadTTL == 0 {
		c.RabbitMQ.DeadTTL = 30 * 24 * time.Hour
	}
	setDefault(&c.Postgres.URL, "postgres://postgres@127.0.0.1:5432/amoflow?sslmode=disable")
	setDefault(&c.Temporal.HostPort, "127.0.0.1:7233")
	setDefault(&c.Temporal.Namespace, "default")
	setDefault(&c.Temporal.TaskQueue, "amoflow")
	setDefault(&c.Temporal.DataDir, "data")
	if c.Temporal.UIPort == 0 {
		c.Temporal.UIPort = 8233
	}
	if c.OneC.Timeout == 0 {
		c.OneC.Timeout = 30 * time.Second
	}
	c.applyOneCDefaults()
	for name, a := range c.Accounts {
		if a == nil {
			continue
		}
		a.Name = name
		if a.BaseURL == "" && a.Subdomain != "" {
			a.BaseURL = "https://" + a.Subdomain + ".amocrm.ru"
		}
		a.BaseURL = strings.TrimRight(a.BaseURL, "/")
		if a.RPS == 0 {
			a.RPS = 6
		}
		setDefault(&a.LeadName, "Новая сделка")
	}
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// RequirePublicURL fails when http.public_url was left to its default: the
// status_url handed to 1C and to sites would name 127.0.0.1. Every role but
// amoflow dev calls it.
func (c *Config) RequirePublicURL() error {
	if c.HTTP.publicURLDefaulted {
		return fmt.Errorf("http.public_url: required outside amoflow dev (the address callers reach, e.g. https://amoflow.example.ru); status URLs would otherwise name %s", c.HTTP.PublicURL)
	}
	return nil
}

// Validate reports the first bad key as "key.path: problem".
func (c *Config) Validate() error {
	if len(c.Accounts) == 0 {
		return fmt.Errorf("accounts: at least one account is required")
	}
	seenID := map[int64]string{}
	seenSub := map[string]string{}
	for _, name := range c.AccountNames() {
		a := c.Accounts[name]
		key := "accounts." + name
		if a == nil {
			return fmt.Errorf("%s: empty account", key)
		}
		switch {
		case a.Subdomain == "":
			return fmt.Errorf("%s.subdomain: required", key)
		case a.AccountID <= 0:
			return fmt.Errorf("%s.account_id: required, a positive amoCRM account id", key)
		case a.RPS < 0 || a.RPS > 7:
			return fmt.Errorf("%s.rps: %v is outside (0, 7], amoCRM's limit per integration", key, a.RPS)
		case a.Intake.PipelineID <= 0:
			return fmt.Errorf("%s.intake.pipeline_id: required (the pipeline new site-form leads go to)", key)
		}
		if err := checkURL(a.BaseURL); err != nil {
			return fmt.Errorf("%s.base_url: %v", key, err)
		}
		if other, dup := seenID[a.AccountID]; dup {
			return fmt.Errorf("%s.account_id: %d is also the id of accounts.%s", key, a.AccountID, other)
		}
		if other, dup := seenSub[a.Subdomain]; dup {
			return fmt.Errorf("%s.subdomain: %q is also the subdomain of accounts.%s", key, a.Subdomain, other)
		}
		seenID[a.AccountID], seenSub[a.Subdomain] = name, a.Subdomain
		for _, r := range a.FormTags {
			if r.Contains == "" || r.Tag == "" {
				return fmt.Errorf("%s.form_tags: every rule needs contains and tag", key)
			}
		}
		if err := a.InitialLead.validate(); err != nil {
			return fmt.Errorf("%s.%v", key, err)
		}
	}
	if c.HTTP.BodyLimit < 1024 {
		return fmt.Errorf("http.body_limit: %d bytes is too small", c.HTTP.BodyLimit)
	}
	if err := checkURL(c.HTTP.PublicURL); err != nil {
		return fmt.Errorf("http.public_url: %v", err)
	}
	if err := c.validatePrivacy(); err != nil {
		return err
	}
	if c.RabbitMQ.Prefetch < 1 {
		return fmt.Errorf("rabbitmq.prefetch: must be at least 1")
	}
	if c.RabbitMQ.HoldLimit < 0 {
		return fmt.Errorf("rabbitmq.hold_limit: %s is negative", c.RabbitMQ.HoldLimit)
	}
	// The cap counts workflows with a visibility query naming the task queue.
	if c.RabbitMQ.MaxOpenForms > 0 && strings.ContainsAny(c.Temporal.TaskQueue, `'"\`) {
		return fmt.Errorf("temporal.task_queue: no quotes or backslashes while rabbitmq.max_open_forms caps forms")
	}
	if c.OneC.BaseURL != "" {
		if err := checkURL(c.OneC.BaseURL); err != nil {
			return fmt.Errorf("onec.base_url: %v", err)
		}
	}
	if err := c.validateOneC(); err != nil {
		return err
	}
	if err := c.validateAmoCRM(); err != nil {
		return err
	}
	if c.Inbound.LegacyWebhooks.Enabled && len(c.Inbound.LegacyWebhooks.AllowFrom) == 0 {
		return fmt.Errorf("inbound.legacy_webhooks.allow_from: required when the legacy route is enabled")
	}
	for _, a := range c.Inbound.LegacyWebhooks.AllowFrom {
		if _, err := netip.ParsePrefix(a); err != nil {
			if _, err := netip.ParseAddr(a); err != nil {
				return fmt.Errorf("inbound.legacy_webhooks.allow_from: %q is neither an address nor a CIDR", a)
			}
		}
	}
	if err := c.validateLegacy(); err != nil {
		return err
	}
	if err := c.validateShadow(); err != nil {
		return err
	}
	if err := c.validateWidgets(); err != nil {
		return err
	}
	if err := c.validateUcheba(); err != nil {
		return err
	}
	return c.validateIngest()
}

// validateIngest checks the keys of the public routes' defences.
func (c *Config) validateIngest() error {
	if _, err := Prefixes(c.Inbound.TrustedProxies); err != nil {
		return fmt.Errorf("inbound.trusted_proxies: %v", err)
	}
	if r := c.Inbound.FormRate; r != nil {
		switch {
		case r.RPS < 0:
			return fmt.Errorf("inbound.form_rate.rps: %v is negative (0 turns the limit off)", r.RPS)
		case r.RPS > 0 && r.Burst < 1:
			return fmt.Errorf("inbound.form_rate.burst: must be at least 1 when rps is set")
		}
	}
	if h := c.Inbound.HoneypotField; h != "" && (h == "phone" || h == "email" || h == "name" || h == "method" || h == "amo") {
		return fmt.Errorf("inbound.honeypot_field: %q is a real form field; name a hidden field no person fills", h)
	}
	if c.Inbound.IdempotencyTTL < 0 {
		return fmt.Errorf("inbound.idempotency_ttl: must be positive")
	}
	return nil
}

// Prefixes parses a list of CIDRs and single addresses (a /32 or /128).
func Prefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// validateAmoCRM checks the token settings and each account's OAuth
// client: amoCRM answers a wrong one only at the next refresh, hours later.
func (c *Config) validateAmoCRM() error {
	t := c.AmoCRM
	switch {
	case t.RefreshFraction < 0 || t.RefreshFraction >= 1:
		return fmt.Errorf("amocrm.refresh_fraction: %v is outside (0, 1)", t.RefreshFraction)
	case t.RefreshRetry < 0:
		return fmt.Errorf("amocrm.refresh_retry: negative")
	case t.PauseRetry < 0 || t.PauseRetry > 30*time.Second:
		return fmt.Errorf("amocrm.pause_retry: %v is outside (0, 30s]: a paused flow must resume within a minute", t.PauseRetry)
	case t.BlockCooldown < 0:
		return fmt.Errorf("amocrm.block_cooldown: negative")
	case t.BudgetGuard < 0 || t.BudgetGuard > 500*time.Millisecond:
		return fmt.Errorf("amocrm.budget_guard: %v is outside [0, 500ms]", t.BudgetGuard)
	}
	for _, name := range c.AccountNames() {
		a, key := c.Accounts[name], "accounts."+name
		if a == nil || a.ClientID == "" {
			continue // a long-lived token needs no client
		}
		switch {
		case a.ClientSecret == "":
			return fmt.Errorf("%s.client_secret: required with client_id", key)
		case a.RedirectURI == "":
			return fmt.Errorf("%s.redirect_uri: required with client_id (amoCRM checks it on every token request)", key)
		}
		if err := checkURL(a.RedirectURI); err != nil {
			return fmt.Errorf("%s.redirect_uri: %v", key, err)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// AccountNames lists the account keys in a stable order.
func (c *Config) AccountNames() []string {
	names := make([]string, 0, len(c.Accounts))
	for n := range c.Accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Account returns the account with the given key.
func (c *Config) Account(name string) (*Account, bool) {
	a, ok := c.Accounts[name]
	return a, ok && a != nil
}

// AccountByAmo finds an account by amoCRM account id or subdomain, as webhooks identify it.
func (c *Config) AccountByAmo(id int64, subdomain string) (*Account, bool) {
	for _, a := range c.Accounts {
		if a != nil && ((id != 0 && a.AccountID == id) || (id == 0 && subdomain != "" && a.Subdomain == subdomain)) {
			return a, true
		}
	}
	return nil, false
}

// TaskQueue is the activity task queue for this account's amoCRM calls; its
// workers are rate limited to the account's RPS for the whole cluster.
func (a *Account) TaskQueue(base string) string {
	return base + "-amo-" + a.Name
}
