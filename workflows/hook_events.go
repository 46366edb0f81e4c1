package workflows

import (
	"time"

	"amoflow/amowebhook"
)

// hookPicker is how a method that is not "every add/update/status of one
// entity" picks its events (see WebhookEvents).
type hookPicker struct {
	// pick chooses the events instead of the method's entity and the
	// actions (a method acting on several entities, or on some changes only).
	pick func(amowebhook.Event) bool
	// flat reads a flat form (no amoCRM entity in it) instead of
	// change_resp's id/uid/resp: it returns the event's name, which must
	// hold no personal data, and its params, or a fieldError.
	flat func(d amowebhook.Delivery) (name string, params map[string]string, err error)
	// events names the delivery's events itself: a method whose events are
	// not one per changed entity (initial_lead: once per lead, whichever
	// delivery names it; unsorted_accept: unsorted entries).
	events func(method, account string, d amowebhook.Delivery, receivedAt time.Time) []HookEvent
}

var hookPickers = map[string]hookPicker{
	"respchange":      {pick: respChangeEvent},
	"ppie":            {pick: ppieEvent},
	"conferencepaid":  {flat: paymentForm(false)},
	"retailpaid":      {flat: paymentForm(true)},
	"initial_lead":    {events: initialLeadEvents},
	"unsorted_accept": {events: unsortedEvents},
}

// flatEvents is the one event of a flat form (its id: FlatFormJobID).
func flatEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration,
	read func(amowebhook.Delivery) (string, map[string]string, error)) ([]HookEvent, error) {
	name, params, err := read(d)
	if err != nil {
		return nil, err
	}
	return []HookEvent{{JobID: FlatFormJobID(account, method, name, receivedAt, window), Account: account, Method: method,
		ReceivedAt: receivedAt, Params: params}}, nil
}
