package webinar

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event is a webinar with its sessions, as GET /organization/events/{id}
// answers (only what the registration uses).
type Event struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Sessions []Session `json:"eventSessions"`
}

// Session is one session of an event.
type Session struct {
	ID       int64     `json:"id"`
	StartsAt time.Time `json:"startsAt"`
}

// Registration is POST /eventsessions/{id}/register's answer: the
// participation and the personal link to the webinar room.
type Registration struct {
	ParticipationID int64  `json:"participationId"`
	Link            string `json:"link"`
}

// Event reads an event with its sessions.
func (c *Client) Event(ctx context.Context, id int64) (Event, error) {
	raw, err := c.call(ctx, http.MethodGet, c.url("/organization/events/", id, ""), nil, "no such event")
	if err != nil {
		return Event{}, err
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Event{}, &Error{Service: service, Status: http.StatusOK, Reason: "answer is not the event expected"}
	}
	return ev, nil
}

// Register registers an email to a session. webinar.ru answers an email
// registered before with its participation, so a repeat is harmless.
func (c *Client) Register(ctx context.Context, session int64, email string) (Registration, error) {
	raw, err := c.call(ctx, http.MethodPost, c.url("/eventsessions/", session, "/register"), url.Values{"email": {email}}, "no such event session")
	if err != nil {
		return Registration{}, err
	}
	var r Registration
	if err := json.Unmarshal(raw, &r); err != nil || r.ParticipationID == 0 {
		return Registration{}, &Error{Service: service, Status: http.StatusOK, Reason: "answer holds no participation"}
	}
	return r, nil
}

func (c *Client) url(prefix string, id int64, suffix string) string {
	if c == nil {
		return ""
	}
	return strings.TrimRight(c.BaseURL, "/") + prefix + strconv.FormatInt(id, 10) + suffix
}
