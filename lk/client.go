// Package lk is the client of the students' personal account service (LK,
// lk.mzpo-s.ru), which the createlk flow asks to register a student
// (docs/flows.md#createlk), and a fake of it for tests and amoflow dev
// (fake.go).
//
// POST {base_url}/amo/register takes the student as JSON and answers JSON
// {user, email[], phone[], result, token}: user is the new account's id;
// without it, email[0] and phone[0] say what the service refused.
package lk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"amoflow/internal/outside"
)

// Student is what the service registers. Dates are "2006-01-02"; empty
// values are left out.
type Student struct {
	Name             string `json:"name,omitempty"`
	Login            string `json:"login,omitempty"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	Birthday         string `json:"birthday,omitempty"`
	Sex              string `json:"sex,omitempty"` // male, female
	SNILS            string `json:"snils,omitempty"`
	PassSeries       string `json:"pass_series,omitempty"`
	PassNumber       string `json:"pass_number,omitempty"`
	PassIssuedAt     string `json:"pass_doi,omitempty"`
	PassIssuedBy     string `json:"pass_poi,omitempty"`
	PassDptCode      string `json:"pass_dpt,omitempty"`
	PassRegistration string `json:"pass_registration,omitempty"`
	ID1C             string `json:"id_1c,omitempty"`
	AmoID            string `json:"amo_id,omitempty"`
	// ID is the student's account id when amoCRM knows one already.
	ID string `json:"id,omitempty"`
}

// Answer is the service's answer: User set on success, else the reasons.
type Answer struct {
	User   int64    `json:"user,omitempty"`
	Email  []string `json:"email,omitempty"`
	Phone  []string `json:"phone,omitempty"`
	Result *bool    `json:"result,omitempty"`
}

// Error is a failed call; IsRetryable says whether to try again.
type Error = outside.Error

// IsRetryable reports whether another attempt may succeed.
func IsRetryable(err error) bool { return outside.IsRetryable(err) }

const service = "lk"

// Client calls the service.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// New returns a client of the service at baseURL.
func New(baseURL string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Timeout: timeout}}
}

// Register asks the service to create the student's account. A refusal
// (the email or phone taken, …) is an Answer without User, not an error;
// the service answers some refusals with 404, as the old client knew.
func (c *Client) Register(ctx context.Context, s Student) (Answer, error) {
	if c == nil || c.BaseURL == "" {
		return Answer{}, &Error{Service: service, Reason: "lk.base_url is not configured"}
	}
	body, _ := json.Marshal(s)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/amo/register", bytes.NewReader(body))
	if err != nil {
		return Answer{}, &Error{Service: service, Reason: "bad lk.base_url"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	ans, err := outside.Do(ctx, c.HTTP, req, service, 1<<20)
	status, raw := ans.Status, ans.Body
	switch {
	case err != nil:
		return Answer{}, err
	case status != http.StatusNotFound && (status < 200 || status > 299):
		return Answer{}, &Error{Service: service, Status: status, Reason: http.StatusText(status)}
	}
	var a Answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return Answer{}, &Error{Service: service, Status: status, Reason: "answer is not the JSON object expected"}
	}
	return a, nil
}
