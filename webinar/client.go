// Package webinar is the client of webinar.ru's user API, which the
// webinar_admission flow asks who attended a webinar session
// (docs/flows.md#webinar_admission), and a fake of it for tests and
// amoflow dev (fake.go).
//
// GET {base_url}/eventsessions/{session}/participations?perPage=…&page=…
// with the header X-Auth-Token answers a JSON array of participations
// ({id, visited, …}); an empty body is an empty list. A site form with
// webinar_id registers its email (register.go): GET
// {base_url}/organization/events/{event} (its sessions), then POST
// {base_url}/eventsessions/{session}/register (form-encoded email).
package webinar

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"amoflow/internal/outside"
)

// Participation is one registration to a session.
type Participation struct {
	ID      int64 `json:"id"`
	Visited bool  `json:"visited"`
}

// Error is a failed call; IsRetryable says whether to try again.
type Error = outside.Error

// IsRetryable reports whether another attempt may succeed.
func IsRetryable(err error) bool { return outside.IsRetryable(err) }

const service = "webinar.ru"

// Client calls the API.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// New returns a client of the API at baseURL (https://userapi.webinar.ru/v3).
func New(baseURL, token string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{BaseURL: baseURL, Token: token, HTTP: &http.Client{Timeout: timeout}}
}

// perPage is the page size asked for; the API gives at most this many.
const perPage = 500

// maxPages bounds one session's listing (a webinar of 50 000 people).
const maxPages = 100

// Participations lists every participation of a session, page by page.
func (c *Client) Participations(ctx context.Context, session int64) ([]Participation, error) {
	if c == nil {
		return nil, &Error{Service: service, Reason: "webinar.base_url is not configured"}
	}
	var all []Participation
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"perPage": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		u := strings.TrimRight(c.BaseURL, "/") + "/eventsessions/" + strconv.FormatInt(session, 10) + "/participations?" + q.Encode()
		got, err := c.get(ctx, u)
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
		if len(got) < perPage {
			return all, nil
		}
	}
	return all, nil
}

func (c *Client) get(ctx context.Context, u string) ([]Participation, error) {
	raw, err := c.call(ctx, http.MethodGet, u, nil, "no such event session")
	if err != nil || strings.TrimSpace(string(raw)) == "" {
		return nil, err
	}
	var out []Participation
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &Error{Service: service, Status: http.StatusOK, Reason: "answer is not the JSON array expected"}
	}
	return out, nil
}

// call sends one request (a form body when form is not nil) and returns
// a 2xx answer's body; notFound is the reason a 404 is given.
func (c *Client) call(ctx context.Context, method, u string, form url.Values, notFound string) ([]byte, error) {
	if c == nil || c.BaseURL == "" {
		return nil, &Error{Service: service, Reason: "webinar.base_url is not configured"}
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &Error{Service: service, Reason: "bad webinar.base_url"}
	}
	req.Header.Set("X-Auth-Token", c.Token)
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	ans, err := outside.Do(ctx, c.HTTP, req, service, 16<<20)
	status := ans.Status
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return nil, &Error{Service: service, Status: status, Reason: "the token (webinar.token) is refused"}
	case status == http.StatusNotFound:
		return nil, &Error{Service: service, Status: status, Reason: notFound}
	case status < 200 || status > 299:
		return nil, &Error{Service: service, Status: status, Reason: http.StatusText(status)}
	}
	return ans.Body, nil
}
