package app

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/eventsapi"
	"amoflow/store"
	"amoflow/workflows"
)

// registerWebhooks registers HandleWebhook, the webhook flows and their
// Postgres (round robin) and events-API activities on the workflow worker.
// Their amoCRM activities are methods of activities.Amo, registered on the
// account workers with the rest.
func registerWebhooks(w worker.Worker, flows *workflows.Flows, cfg *config.Config, db *store.DB) {
	for name, fn := range flows.WebhookWorkflows() {
		w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
	w.RegisterActivity(&activities.Store{DB: db})
	w.RegisterActivity(&activities.Events{API: eventsapi.New(cfg.EventsAPI)})
}
