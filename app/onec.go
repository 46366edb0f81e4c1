package app

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
	"amoflow/onec"
	"amoflow/store"
	"amoflow/workflows"
)

// registerOneC registers the 1C flows and their 1C and Postgres activities
// on the workflow worker. Without onec.base_url the 1C activities fail
// with a readable error; the flows that only touch amoCRM still run.
func registerOneC(w worker.Worker, flows *workflows.Flows, cfg *config.Config, db *store.DB) {
	for name, fn := range flows.OneCWorkflows() {
		w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
	oc := &activities.OneC{DB: db, EchoTTL: cfg.OneC.EchoTTL}
	if cfg.OneC.BaseURL != "" {
		oc.Client = onec.New(cfg.OneC)
	}
	w.RegisterActivity(oc)
}

// registerOneCAmo registers the amoCRM activities of the 1C flows on an
// account's rate-limited worker.
func registerOneCAmo(aw worker.Worker, clients map[string]*amocrm.Client) {
	aw.RegisterActivity(&activities.Amo1C{Clients: clients})
}
