package main

import (
	"fmt"
	"strings"

	"amoflow/config"
)

// printShadow tells the `amoflow dev` user which accounts plan their writes
// instead of sending them (README "Shadow mode"), and how to compare.
func printShadow(cfg *config.Config) {
	var whole, some []string
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		switch {
		case a.Mode == config.ModeShadow:
			whole = append(whole, name)
		case len(a.ShadowFlows) > 0:
			some = append(some, name+" ("+strings.Join(a.ShadowFlows, ", ")+")")
		}
	}
	if len(whole) == 0 && len(some) == 0 {
		fmt.Printf("Shadow mode is off; AMOFLOW_RETAIL_MODE=shadow (accounts.retail.mode) turns it on.\n\n")
		return
	}
	fmt.Printf("Shadow mode: %s plan their writes instead of sending them (1C: %s).\n",
		strings.Join(append(whole, some...), ", "), cfg.OneC.Mode)
	fmt.Printf("  amoflow shadow list --since 1h       what was planned\n")
	fmt.Printf("  amoflow shadow report --since 24h    compared with what amoCRM holds\n\n")
}
