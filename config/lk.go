package config

import "time"

// LK is the students' personal account service (webhook createlk,
// docs/flows.md#createlk).
type LK struct {
	// BaseURL is where POST /amo/register is served
	// (https://lk.mzpo-s.ru); empty: createlk fails its jobs with a reason
	// (amoflow dev runs a fake).
	BaseURL string        `yaml:"base_url"`
	Timeout time.Duration `yaml:"timeout"`
	// Courses are the course codes (the lead's course field) whose students
	// get an account; empty: every course.
	Courses []string `yaml:"courses"`
}
