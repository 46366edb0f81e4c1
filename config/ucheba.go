package config

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the schedule's time zone loads on an image without a zone database
)

// Ucheba is the nightly import of requests from ucheba.ru (README "ucheba.ru
// import", docs/flows.md#uchebaimport).
type Ucheba struct {
	// Enabled turns the import on: amoflow worker creates (or updates) the
	// Temporal Schedule, GET /wh/nightly starts an import. Off: no
	// schedule is created (an existing one is left as it is, see README)
	// and /wh/nightly answers 503.
	Enabled bool `yaml:"enabled"`
	// BaseURL is the API root (https://api.ucheba.ru/v1); empty: the
	// import fails its fetch with a reason (amoflow dev runs a fake).
	BaseURL string `yaml:"base_url"`
	// Token is sent as X-Auth-Token; from the environment.
	Token string `yaml:"token"`
	// Institution is our institution's id at ucheba.ru (9915).
	Institution int64 `yaml:"institution"`
	// Account is the amoCRM account the requests become site forms of
	// (default retail).
	Account  string         `yaml:"account"`
	Timeout  time.Duration  `yaml:"timeout"`
	Schedule UchebaSchedule `yaml:"schedule"`
}

// UchebaSchedule is when the import runs.
type UchebaSchedule struct {
	// ID names the Temporal Schedule (default ucheba-nightly).
	ID string `yaml:"id"`
	// Cron is a five-field cron expression (default "0 3 * * *").
	Cron string `yaml:"cron"`
	// TimeZone is the IANA zone of Cron and of "yesterday" (default
	// Europe/Moscow).
	TimeZone string `yaml:"time_zone"`
}

// defaults fills the keys left empty.
func (u *Ucheba) defaults() {
	if u.Account == "" {
		u.Account = "retail"
	}
	if u.Timeout <= 0 {
		u.Timeout = 30 * time.Second
	}
	if u.Schedule.ID == "" {
		u.Schedule.ID = "ucheba-nightly"
	}
	if u.Schedule.Cron == "" {
		u.Schedule.Cron = "0 3 * * *"
	}
	if u.Schedule.TimeZone == "" {
		u.Schedule.TimeZone = "Europe/Moscow"
	}
}

// Location is the schedule's time zone.
func (u Ucheba) Location() (*time.Location, error) {
	return time.LoadLocation(u.Schedule.TimeZone)
}

// validateUcheba checks the import's keys (only when it is on).
func (c *Config) validateUcheba() error {
	u := &c.Ucheba
	u.defaults()
	if !u.Enabled {
		return nil
	}
	if u.BaseURL != "" {
		if err := checkURL(u.BaseURL); err != nil {
			return fmt.Errorf("ucheba.base_url: %v", err)
		}
	}
	if u.Institution <= 0 {
		return fmt.Errorf("ucheba.institution: required, the institution's id at ucheba.ru")
	}
	if _, ok := c.Accounts[u.Account]; !ok {
		return fmt.Errorf("ucheba.account: %q is not a configured account", u.Account)
	}
	if len(strings.Fields(u.Schedule.Cron)) != 5 {
		return fmt.Errorf("ucheba.schedule.cron: %q is not a five-field cron expression", u.Schedule.Cron)
	}
	if _, err := u.Location(); err != nil {
		return fmt.Errorf("ucheba.schedule.time_zone: %v", err)
	}
	return nil
}
