package config

import (
	"fmt"
	"time"
)

// InitialLead is how the initial_lead webhook method treats a new lead of
// its account (docs/flows.md#initial_lead): the tables the old processor
// kept in code. Field, pipeline, status, user and tag ids are the
// account's (lead_fields, pipelines, statuses, users, tags).
type InitialLead struct {
	// Pipelines are the pipelines whose new leads go through the two
	// phases; a lead in a Social pipeline is marked from its row instead;
	// any other lead is left alone.
	Pipelines []int64 `yaml:"pipelines"`
	// Sites are the company's sites, in the order they are matched (the
	// first one contained in a text or present as a tag wins, so a site
	// that contains another comes first: lk.mzpo-s.ru before mzpo-s.ru).
	Sites []string `yaml:"sites"`
	// Wazzup maps the tag of a WhatsApp channel to its site.
	Wazzup []WazzupChannel `yaml:"wazzup"`
	// Cities translates the city names Jivo sends (Moscow) to the names
	// the managers use (Москва); matched ignoring case. Unknown names stay.
	Cities map[string]string `yaml:"cities"`
	// Social are the social-network intake pipelines.
	Social []SocialPipeline `yaml:"social"`
	// PipelineTags adds a tag to every new lead of a pipeline in Pipelines.
	PipelineTags map[int64]string `yaml:"pipeline_tags"`
	// PromoPages are page addresses (parts of them) of promotions: a lead
	// from one gets the Акция tag.
	PromoPages []string `yaml:"promo_pages"`
	// TrialTag marks a trial-lesson lead, moved to the trial-lesson stage
	// (pipelines.trial_lesson, statuses.trial_lesson_booked).
	TrialTag string `yaml:"trial_tag"`
	// ServiceName signs the service notes ("Phase 1 finished.").
	ServiceName string `yaml:"service_name"`
	// CallWait is how a telephony lead waits for its call result.
	CallWait CallWait `yaml:"call_wait"`
}

// CallWait polls a telephony lead until a manager fills "Результат звонка":
// every Interval, at most Attempts times (a durable timer: no worker is
// held while it waits).
type CallWait struct {
	Interval time.Duration `yaml:"interval"`
	Attempts int           `yaml:"attempts"`
}

// WazzupChannel is a WhatsApp channel of Wazzup: its lead tag and its site.
type WazzupChannel struct {
	Tag  string `yaml:"tag"`
	Site string `yaml:"site"`
}

// SocialPipeline is what a lead arriving in a social-network pipeline gets:
// tags (by name), site, source, type (also the call result), then a move to
// the account's intake stage unless KeepPipeline.
type SocialPipeline struct {
	PipelineID   int64    `yaml:"pipeline_id"`
	Tags         []string `yaml:"tags"`
	Site         string   `yaml:"site"`
	Source       string   `yaml:"source"`
	Type         string   `yaml:"type"`
	KeepPipeline bool     `yaml:"keep_pipeline"`
}

// Defaults of CallWait: the old processor's 60 polls 30 s apart.
const (
	DefaultCallWaitInterval = 30 * time.Second
	DefaultCallWaitAttempts = 60
)

// WithDefaults is the CallWait with the old processor's values where unset.
func (w CallWait) WithDefaults() CallWait {
	if w.Interval <= 0 {
		w.Interval = DefaultCallWaitInterval
	}
	if w.Attempts <= 0 {
		w.Attempts = DefaultCallWaitAttempts
	}
	return w
}

// validate checks the tables for what would make the flow misbehave.
func (il InitialLead) validate() error {
	seen := map[int64]bool{}
	for _, s := range il.Social {
		if s.PipelineID == 0 {
			return fmt.Errorf("initial_lead.social: a row without pipeline_id")
		}
		if seen[s.PipelineID] {
			return fmt.Errorf("initial_lead.social: pipeline %d twice", s.PipelineID)
		}
		seen[s.PipelineID] = true
	}
	for _, w := range il.Wazzup {
		if w.Tag == "" || w.Site == "" {
			return fmt.Errorf("initial_lead.wazzup: each channel needs tag and site")
		}
	}
	if il.CallWait.Interval < 0 || il.CallWait.Attempts < 0 {
		return fmt.Errorf("initial_lead.call_wait: interval and attempts must not be negative")
	}
	return nil
}

// SetCourse is how the setcourse webhook method treats a lead without a
// product (docs/flows.md#setcourse): a reminder note, and the lead goes
// back to the stage it came from unless that stage is one of
// ForbiddenStatuses (then it stays).
type SetCourse struct {
	ForbiddenStatuses []int64 `yaml:"forbidden_statuses"`
}

// UnsortedAccept is which unsorted entries the unsorted_accept method
// accepts: all but those of SkipServices (WhatsApp and Instagram chats,
// which managers take by hand).
type UnsortedAccept struct {
	SkipServices []string `yaml:"skip_services"`
}
