package main

import (
	"fmt"
	"strings"

	"amoflow/config"
)

// printShadow tells the `amoflow dev` user which accounts plan their writes
// instead of sending them (README "Shadow mode"), and how to compare.
func printShadow(cfg *config.Config) {
	var shadowed []string
	env := "" // the report runs in another process: point it at the dev fake too
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		switch {
		case a.Mode == config.ModeShadow:
			shadowed = append(shadowed, name)
		case len(a.ShadowFlows) > 0:
			shadowed = append(shadowed, name+" ("+strings.Join(a.ShadowFlows, ", ")+")")
		}
		if strings.HasPrefix(a.BaseURL, "http://127.0.0.1:") {
			env += "AMO_" + strings.ToUpper(name) + "_BASE_URL=" + a.BaseURL + " "
		}
	}
	if len(shadowed) == 0 {
		fmt.Printf("Shadow mode is off; AMOFLOW_RETAIL_MODE=shadow (accounts.retail.mode) turns it on.\n\n")
		return
	}
	fmt.Printf("Shadow mode (writes planned, not sent): %s; 1C: %s.\n", strings.Join(shadowed, ", "), cfg.OneC.Mode)
	fmt.Printf("  amoflow shadow list --since 1h\n")
	fmt.Printf("  %samoflow shadow report --since 24h\n\n", env)
}
