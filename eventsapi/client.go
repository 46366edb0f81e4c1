// Package eventsapi is the client of the site's events ("activities") API,
// which the event-registration flow asks for an event by its name
// (docs/flows.md#processevents), and a fake of it for tests (fake.go).
//
// The API takes a POST form with the shared secret and the HTML-escaped
// event name and answers JSON {id, page_name, vrema, event_address,
// page_alias}. The media type is compared without its parameters (the old
// integration required the exact string and died on anything else).
package eventsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"amoflow/config"
	"amoflow/internal/outside"
)

// Location is the zone of the API's "vrema" date-times (Moscow, UTC+3).
var Location = time.FixedZone("MSK", 3*60*60)

// Event is an event as the API describes it.
type Event struct {
	ID       string `json:"id"`
	PageName string `json:"page_name"`
	// Time is "vrema", a "2006-01-02 15:04:05" date-time (Moscow).
	Time    string `json:"vrema"`
	Address string `json:"event_address"`
	Alias   string `json:"page_alias"`
}

// Unix is the event's time in Unix seconds; ok is false when the API gave
// none or a form it does not recognise.
func (e Event) Unix() (int64, bool) {
	s := strings.TrimSpace(e.Time)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n, true
	}
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", "2006-01-02T15:04:05", time.RFC3339, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, Location); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// ErrNotFound is matched when the API knows no event of that name.
var ErrNotFound = errors.New("eventsapi: no such event")

// Error is a failed call; it carries neither the secret nor the event name.
type Error = outside.Error

const service = "eventsapi"

// Client calls the API.
type Client struct {
	URL string
	// Secret authenticates us. A value holding "=" is sent as the form
	// parameters it spells ("key=…&key2=…", for the API's own names);
	// anything else is sent as "secret".
	Secret string
	HTTP   *http.Client
}

// New returns a client of the configured API.
func New(cfg config.EventsAPI) *Client {
	return &Client{URL: cfg.URL, Secret: cfg.Secret, HTTP: &http.Client{Timeout: 20 * time.Second}}
}

// Lookup finds the event with the given name.
func (c *Client) Lookup(ctx context.Context, name string) (Event, error) {
	ev, err := c.lookup(ctx, name)
	observe(err)
	return ev, err
}

func (c *Client) lookup(ctx context.Context, name string) (Event, error) {
	if c == nil || c.URL == "" {
		return Event{}, &Error{Service: service, Reason: "events_api.url is not configured"}
	}
	form := url.Values{}
	if strings.Contains(c.Secret, "=") {
		if v, err := url.ParseQuery(c.Secret); err == nil {
			form = v
		}
	} else if c.Secret != "" {
		form.Set("secret", c.Secret)
	}
	form.Set("name", html.EscapeString(name))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return Event{}, &Error{Service: service, Reason: "bad events_api.url"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	ans, err := outside.Do(ctx, c.HTTP, req, service, 1<<20)
	if err != nil {
		return Event{}, err
	}
	status, header, body := ans.Status, ans.Header, ans.Body
	switch {
	case status == http.StatusNotFound, status == http.StatusNoContent:
		return Event{}, ErrNotFound
	case status < 200 || status > 299:
		return Event{}, &Error{Service: service, Status: status, Reason: http.StatusText(status)}
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/json" {
		return Event{}, &Error{Service: service, Status: status, Reason: fmt.Sprintf("answer is %q, not application/json", mt)}
	}
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" || trimmed == "null" || trimmed == "[]" || trimmed == "{}" || trimmed == "false" {
		return Event{}, ErrNotFound
	}
	var raw struct {
		ID       json.RawMessage `json:"id"`
		PageName string          `json:"page_name"`
		Time     string          `json:"vrema"`
		Address  string          `json:"event_address"`
		Alias    string          `json:"page_alias"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Event{}, &Error{Service: service, Status: status, Reason: "answer is not the JSON object expected"}
	}
	if strings.TrimSpace(raw.PageName) == "" {
		return Event{}, ErrNotFound
	}
	return Event{ID: strings.Trim(string(raw.ID), `"`), PageName: raw.PageName, Time: raw.Time, Address: raw.Address, Alias: raw.Alias}, nil
}

// IsRetryable reports whether another attempt may succeed.
func IsRetryable(err error) bool { return outside.IsRetryable(err) }
