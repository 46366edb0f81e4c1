package amocrm

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// eventsPageLimit is the largest page of events amoCRM serves.
const eventsPageLimit = 100

// Event is an entry of an entity's history (GET /api/v4/events).
type Event struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"` // lead_status_changed, incoming_chat_message, …
	EntityID    int64           `json:"entity_id"`
	EntityType  string          `json:"entity_type"` // singular: lead, contact, company
	CreatedBy   int64           `json:"created_by"`
	CreatedAt   int64           `json:"created_at"`
	ValueAfter  json.RawMessage `json:"value_after"`
	ValueBefore json.RawMessage `json:"value_before"`
}

// StatusBefore returns the stage a lead_status_changed event left.
func (e *Event) StatusBefore() (pipelineID, statusID int64, ok bool) {
	return leadStatus(e.ValueBefore)
}

// StatusAfter returns the stage a lead_status_changed event entered.
func (e *Event) StatusAfter() (pipelineID, statusID int64, ok bool) {
	return leadStatus(e.ValueAfter)
}

// leadStatus reads [{"lead_status":{"id":…,"pipeline_id":…}}].
func leadStatus(raw json.RawMessage) (pipelineID, statusID int64, ok bool) {
	var v []struct {
		LeadStatus *struct {
			ID         int64 `json:"id"`
			PipelineID int64 `json:"pipeline_id"`
		} `json:"lead_status"`
	}
	if json.Unmarshal(raw, &v) != nil || len(v) == 0 || v[0].LeadStatus == nil {
		return 0, 0, false
	}
	return v[0].LeadStatus.PipelineID, v[0].LeadStatus.ID, true
}

// ListEvents lists events with raw parameters (filter[…]), every page.
func (c *Client) ListEvents(ctx context.Context, params url.Values) ([]Event, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	if q.Get("limit") == "" {
		q.Set("limit", strconv.Itoa(eventsPageLimit))
	}
	return list[Event](ctx, c, "/api/v4/events", q, "events")
}

// EventsFor lists the events of one entity (entity is singular: "lead"),
// only of the given types if any.
func (c *Client) EventsFor(ctx context.Context, entity string, id int64, types ...string) ([]Event, error) {
	q := url.Values{"filter[entity]": {entity}, "filter[entity_id][]": {strconv.FormatInt(id, 10)}}
	for _, t := range types {
		q.Add("filter[type][]", t)
	}
	return c.ListEvents(ctx, q)
}

// EventsPage reads one page (from 1) of GET /api/v4/events with raw
// parameters, 100 events a page, and reports whether another page follows.
// A caller that must count every request (one activity per page) uses it
// instead of ListEvents.
func (c *Client) EventsPage(ctx context.Context, params url.Values, n int) ([]Event, bool, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(eventsPageLimit))
	return onePage[Event](ctx, c, "/api/v4/events", q, n, "events")
}
