// Package amowebhook reads the webhooks amoCRM sends: a form-encoded body in
// amoCRM's legacy v2 shape, entity[action][i][field]…, into typed events
// (docs/architecture.md#webhook-format).
//
// One delivery may carry several entities and several actions
// (leads[status][0], leads[status][1], contacts[update][0], …); Parse returns
// every one of them, in a stable order. Both shapes amoCRM uses are read:
// the minimal one of digital-pipeline robots (id, status and pipeline, old
// status and pipeline) and the full one of account webhooks (the whole
// entity with custom fields, tags, times). Companies arrive under contacts
// with [type]=company and become company events. Notes carry their times as
// "2006-01-02 15:04:05" strings in the account's time zone.
//
// The job ids of a delivery and of each event are built in
// workflows/ids.go (EventJobID, DeliveryJobID) with every other id scheme.
package amowebhook
