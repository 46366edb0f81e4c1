package app

import (
	"strings"
	"testing"

	"amoflow/config"
)

func TestCheckShadowFlows(t *testing.T) {
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Accounts["corp"].ShadowFlows = []string{"Ret2Corp", "CreateLeadFromForm"}
	if err := checkShadowFlows(cfg); err != nil {
		t.Errorf("known flows refused: %v", err)
	}
	cfg.Accounts["corp"].ShadowFlows = []string{"Ret2corp"}
	if err := checkShadowFlows(cfg); err == nil || !strings.Contains(err.Error(), "accounts.corp.shadow_flows") {
		t.Errorf("a misspelt flow: %v", err)
	}
}
