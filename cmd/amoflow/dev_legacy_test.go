package main

import (
	"testing"

	"amoflow/config"
)

// amoflow dev turns every group of old URLs on, and the result is a valid
// configuration (each keyed group has its key, the hook paths their guard).
func TestDevLegacyValidates(t *testing.T) {
	cfg, err := config.Load("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	devLegacy(cfg)
	l := cfg.Inbound.Legacy
	if !l.CorpLead.Enabled || l.CorpLead.Key != devLegacyKey || !l.Hooks.Enabled || !l.OneC.Enabled || !l.SupportLeads.Enabled {
		t.Errorf("legacy groups = %+v", l)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("dev configuration: %v", err)
	}
}
