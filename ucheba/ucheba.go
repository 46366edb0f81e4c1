// Package ucheba is the client of ucheba.ru's CRM API, from which the
// nightly import reads the requests people left for our institution
// (docs/flows.md#uchebaimport). The fake for tests and amoflow dev is
// ucheba/uchebafake.
//
// GET {base_url}/crm/institutions/{institution}/leads?dateFrom=D&dateTo=D&limit=L&offset=O
// with the header X-Auth-Token answers {"total": N, "items": [lead, …]}:
// the leads whose last activity falls in the days D..D, a page at a time.
// A refused token is 401.
package ucheba

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"amoflow/internal/outside"
)

// Lead is one person's lead at the institution, with their latest request.
type Lead struct {
	ID           int64     `json:"id"`
	Person       *Person   `json:"person"`
	LastActivity *Activity `json:"lastActivity"`
}

// Person is who left the request.
type Person struct {
	ID       int64  `json:"id"`
	FullName string `json:"fullName"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

// Activity is one request: a learning request or a question.
type Activity struct {
	ID              int64            `json:"id"`
	Type            *ActivityType    `json:"type"`
	DoneAt          string           `json:"activityDoneAt,omitempty"`
	LearningRequest *LearningRequest `json:"learningRequest"`
	Question        *Question        `json:"question"`
}

// Activity types the import turns into site forms.
const (
	TypeLearningRequest = "learning_request"
	TypeQuestion        = "question"
)

// ActivityType is the kind of the request (value: learning_request, question, …).
type ActivityType struct {
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
}

// LearningRequest is a request to study a program.
type LearningRequest struct {
	ID      int64    `json:"id"`
	Program *Program `json:"program"`
}

// Question is a question asked on the institution's page.
type Question struct {
	ID      int64    `json:"id"`
	Text    string   `json:"text"`
	Program *Program `json:"program,omitempty"`
}

// Program is a study program of ours as ucheba.ru lists it.
type Program struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Page is one answer of the leads listing.
type Page struct {
	Total int    `json:"total"`
	Items []Lead `json:"items"`
}

// Error is a failed call; IsRetryable says whether to try again.
type Error = outside.Error

// IsRetryable reports whether another attempt may succeed.
func IsRetryable(err error) bool { return outside.IsRetryable(err) }

const service = "ucheba.ru"

// PageSize is the page size asked for.
const PageSize = 100

// maxPages bounds one day's listing (10 000 requests a day is far above
// what the institution gets; a listing that never ends is an API fault).
const maxPages = 100

// Client calls the API.
type Client struct {
	BaseURL     string
	Token       string
	Institution int64
	HTTP        *http.Client
}

// New returns a client of the API at baseURL for the institution.
func New(baseURL, token string, institution int64, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{BaseURL: baseURL, Token: token, Institution: institution, HTTP: &http.Client{Timeout: timeout}}
}

// DayLayout is how a day is written (dateFrom, dateTo, the import's input).
const DayLayout = "2006-01-02"

// Leads lists the leads of one day (YYYY-MM-DD), every page.
func (c *Client) Leads(ctx context.Context, day string) ([]Lead, error) {
	if c == nil || c.BaseURL == "" {
		return nil, &Error{Service: service, Reason: "ucheba.base_url is not configured"}
	}
	if _, err := time.Parse(DayLayout, day); err != nil {
		return nil, &Error{Service: service, Reason: fmt.Sprintf("%q is not a day (YYYY-MM-DD)", day)}
	}
	var all []Lead
	for page := 0; page < maxPages; page++ {
		q := url.Values{"dateFrom": {day}, "dateTo": {day},
			"limit": {strconv.Itoa(PageSize)}, "offset": {strconv.Itoa(page * PageSize)}}
		u := strings.TrimRight(c.BaseURL, "/") + "/crm/institutions/" + strconv.FormatInt(c.Institution, 10) + "/leads?" + q.Encode()
		p, err := c.get(ctx, u)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		// An API that ignores limit answers everything at once: total reached.
		if len(p.Items) == 0 || len(all) >= p.Total {
			break
		}
	}
	for i := range all {
		all[i].unescape()
	}
	return all, nil
}

func (c *Client) get(ctx context.Context, u string) (Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Page{}, &Error{Service: service, Reason: "bad ucheba.base_url"}
	}
	req.Header.Set("X-Auth-Token", c.Token)
	req.Header.Set("Accept", "application/json")
	ans, err := outside.Do(ctx, c.HTTP, req, service, 16<<20)
	switch {
	case err != nil:
		return Page{}, err
	case ans.Status == http.StatusUnauthorized || ans.Status == http.StatusForbidden:
		return Page{}, &Error{Service: service, Status: ans.Status, Reason: "the token (ucheba.token) is refused"}
	case ans.Status == http.StatusNotFound:
		return Page{}, &Error{Service: service, Status: ans.Status, Reason: "no such institution (ucheba.institution)"}
	case ans.Status < 200 || ans.Status > 299:
		return Page{}, &Error{Service: service, Status: ans.Status, Reason: http.StatusText(ans.Status)}
	}
	var p Page
	if err := json.Unmarshal(ans.Body, &p); err != nil {
		return Page{}, &Error{Service: service, Status: ans.Status, Reason: "answer is not the JSON listing expected"}
	}
	return p, nil
}

// unescape undoes the percent-encoding the API has been seen to leave in
// text values (the predecessor URL-decoded the whole answer). Only a value
// that decodes to valid UTF-8 is replaced, and "+" stays a plus (a phone).
func (l *Lead) unescape() {
	if l.Person != nil {
		for _, s := range []*string{&l.Person.FullName, &l.Person.Email, &l.Person.Phone} {
			*s = unescape(*s)
		}
	}
	if a := l.LastActivity; a != nil {
		if a.Question != nil {
			a.Question.Text = unescape(a.Question.Text)
		}
		if a.LearningRequest != nil && a.LearningRequest.Program != nil {
			a.LearningRequest.Program.Name = unescape(a.LearningRequest.Program.Name)
		}
	}
}

func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if d, err := url.PathUnescape(s); err == nil && utf8.ValidString(d) {
		return d
	}
	return s
}
