package config

// SiteForm is what an account's site form adds to a new lead beyond the
// mapped fields (docs/flows.md#site-form): the predecessors' webinar,
// event and trial-lesson rules (retail) and the tags and company link of
// the corporate form. Every key is optional; empty means the rule is off.
type SiteForm struct {
	// WebinarTag marks a form with webinar set (a true value); such a form
	// never merges into an open lead, and without a price its lead goes
	// to WebinarStage.
	WebinarTag   string `yaml:"webinar_tag"`
	WebinarStage Stage  `yaml:"webinar_stage"`
	// EventsTag marks a form with events set (a true value).
	EventsTag string `yaml:"events_tag"`
	// TrialContains, when the form name holds it, puts the new lead in
	// TrialStage (the open-lesson pipeline).
	TrialContains string `yaml:"trial_contains"`
	TrialStage    Stage  `yaml:"trial_stage"`
	// Tags are added to every lead of the form ("Заявка с сайта").
	Tags []string `yaml:"tags"`
	// SiteTags: each site contained in the form's site adds its tag.
	SiteTags []string `yaml:"site_tags"`
	// Company: the person's company (found by the form's phone or email,
	// else the company of the person's contact) is linked to a new lead.
	Company bool `yaml:"company"`
}
