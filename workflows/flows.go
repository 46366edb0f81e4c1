// Package workflows holds amoflow's Temporal workflows, one file per flow.
// Workflows decide; activities (package activities) do the I/O, one amoCRM
// request per activity so the per-account rate limit is exact.
//
// Workflow code must be deterministic: configuration is read once per run
// through a SideEffect, so a replay sees the same ids even if the file changed.
package workflows

import (
	"amoflow/config"
)

// Flows carries what workflows need from outside: the configuration.
type Flows struct {
	Config *config.Config
}
