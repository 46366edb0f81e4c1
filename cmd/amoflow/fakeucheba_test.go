package main

import (
	"context"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/ucheba"
)

// amoflow dev without ucheba.base_url serves the fake ucheba.ru with two
// requests for yesterday and turns the import on; a configured one is
// left alone.
func TestDevServesFakeUcheba(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := &config.Config{Ucheba: config.Ucheba{Schedule: config.UchebaSchedule{TimeZone: "Europe/Moscow"}}}
	now := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC) // 2 December in Moscow
	if err := startDevFakeUcheba(ctx, cfg, now); err != nil {
		t.Fatal(err)
	}
	u := cfg.Ucheba
	leads, err := ucheba.New(u.BaseURL, u.Token, u.Institution, 0).Leads(ctx, "2026-12-01")
	if err != nil || len(leads) != len(devUchebaLeads) || !u.Enabled || u.Institution != 9915 {
		t.Errorf("fake ucheba.ru at %q: %d leads (%v), enabled %v", u.BaseURL, len(leads), err, u.Enabled)
	}
	set := &config.Config{Ucheba: config.Ucheba{BaseURL: "https://api.ucheba.ru/v1"}}
	if err := startDevFakeUcheba(ctx, set, now); err != nil || set.Ucheba.Enabled || set.Ucheba.BaseURL != "https://api.ucheba.ru/v1" {
		t.Errorf("a configured ucheba.ru was replaced: %+v %v", set.Ucheba, err)
	}
}
