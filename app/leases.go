package app

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"amoflow/activities"
	"amoflow/store"
)

// registerLeases registers the lease and amo_index activities (Postgres and
// Temporal only) on the workflow worker, never on an account's amoCRM queue.
func registerLeases(w worker.Worker, tc client.Client, db *store.DB) {
	w.RegisterActivity(&activities.Leases{DB: db, Temporal: tc})
}
