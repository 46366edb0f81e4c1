package main

import (
	"context"
	"testing"

	"amoflow/config"
	"amoflow/lk"
	"amoflow/webinar"
)

// amoflow dev without lk.base_url and webinar.base_url serves fakes of both
// and points the configuration at them, so createlk and webinar_admission
// run end to end locally.
func TestDevServesFakeLKAndWebinar(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := &config.Config{}
	if err := startDevFakeLK(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := startDevFakeWebinar(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	a, err := lk.New(cfg.LK.BaseURL, 0).Register(ctx, lk.Student{Email: "dev@example.ru", AmoID: "1"})
	if err != nil || a.User == 0 {
		t.Errorf("fake LK at %q: %+v %v", cfg.LK.BaseURL, a, err)
	}
	_, err = webinar.New(cfg.Webinar.BaseURL, cfg.Webinar.Token, 0).Participations(ctx, 1)
	if err == nil || webinar.IsRetryable(err) || cfg.Webinar.Token == "" {
		t.Errorf("fake webinar.ru at %q: an unknown session should be a permanent error, got %v", cfg.Webinar.BaseURL, err)
	}
}
