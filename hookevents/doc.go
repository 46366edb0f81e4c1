// Package hookevents splits a stored amoCRM webhook delivery into the events
// its method acts on, in the HTTP process: which entities and actions count,
// how one entity named twice in a delivery becomes one event, the flat forms
// (change_resp, the payment forms) and the methods that name their events
// themselves (initial_lead, unsorted_accept). Each event is named with
// workflows/ids.go, and becomes one child workflow of HandleWebhook
// (docs/architecture.md). Which account and entity a method takes, and which
// workflow runs it, is workflows' table (WebhookRoute).
package hookevents
