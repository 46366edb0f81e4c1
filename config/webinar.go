package config

import "time"

// Webinar is webinar.ru's user API (webhook webinar_admission,
// docs/flows.md#webinar_admission).
type Webinar struct {
	// BaseURL is the API root (https://userapi.webinar.ru/v3); empty:
	// webinar_admission fails its jobs with a reason (amoflow dev runs a fake).
	BaseURL string        `yaml:"base_url"`
	Token   string        `yaml:"token"` // X-Auth-Token; from the environment
	Timeout time.Duration `yaml:"timeout"`
}
