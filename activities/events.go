package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"amoflow/eventsapi"
)

// Events holds the activities on the site's events API (docs/flows.md#processevents).
type Events struct {
	API *eventsapi.Client
}

// LookupEventInput names an event as a lead carries it.
type LookupEventInput struct {
	Name string `json:"name"`
}

// EventInfo is what the API says about an event; Found is false when it
// knows none of that name.
type EventInfo struct {
	Found    bool   `json:"found"`
	PageName string `json:"page_name,omitempty"`
	Address  string `json:"address,omitempty"`
	At       int64  `json:"at,omitempty"` // Unix seconds, 0 when the API gave no usable time
}

// LookupEvent asks the events API about an event, in one request.
func (e *Events) LookupEvent(ctx context.Context, in LookupEventInput) (EventInfo, error) {
	ev, err := e.API.Lookup(ctx, in.Name)
	switch {
	case errors.Is(err, eventsapi.ErrNotFound):
		return EventInfo{}, nil
	case err != nil && eventsapi.IsRetryable(err):
		return EventInfo{}, err
	case err != nil:
		return EventInfo{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrEventsAPI, err)
	}
	at, _ := ev.Unix()
	return EventInfo{Found: true, PageName: ev.PageName, Address: ev.Address, At: at}, nil
}
