package amocrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotFound is matched by the error a get-by-id call returns when amoCRM
// answers 204 (its way of saying "no such entity") or 404.
var ErrNotFound = errors.New("not found")

// ErrReauthRequired is matched by every error that only an operator can fix
// by authorizing the account again (revoked or expired refresh token, no
// token stored, long-lived token expired). Retrying cannot help.
var ErrReauthRequired = errors.New("amocrm: re-authorization required")

// ReauthError names the account and why it must be re-authorized. It
// pauses the account's work (see Paused) rather than failing it.
type ReauthError struct {
	Account string
	Reason  string
	// RetryIn is when a paused call should try again.
	RetryIn time.Duration
}

func (e *ReauthError) Error() string {
	return "amocrm: account " + e.Account + " needs re-authorization: " + e.Reason
}

// Is makes errors.Is(err, ErrReauthRequired) true.
func (e *ReauthError) Is(target error) bool { return target == ErrReauthRequired }

// ConfigError is amoCRM refusing the integration itself: the client_id,
// client_secret or redirect_uri in the configuration do not match the
// integration's settings. The grant is not spent; the account's work pauses
// until the configuration is fixed and the workers restarted.
type ConfigError struct {
	Account string
	Reason  string
	RetryIn time.Duration
}

func (e *ConfigError) Error() string {
	return "amocrm: account " + e.Account + ": amoCRM rejects the integration's client_id, client_secret or redirect_uri (" +
		e.Reason + "): fix accounts." + e.Account + " in the configuration and restart"
}

// BlockedError is amoCRM answering 403 with its HTML page: the account is
// blocked for exceeding the rate limit. Every process of the account waits
// (see Breaker) and one probe per cool-down finds out when it is lifted.
type BlockedError struct {
	Account string
	Since   time.Time
	// Wait is how long until the next probe may be sent.
	Wait time.Duration
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("amocrm: account %s is blocked by amoCRM (403) since %s; next probe in %s",
		e.Account, e.Since.UTC().Format(time.RFC3339), e.Wait.Round(time.Second))
}

// Pause is how an activity should report an error that pauses the
// account's work: a retryable error of Type, retried after RetryIn.
type Pause struct {
	Type    string // AmoAccountPaused or AmoAccountBlocked
	Message string // says what the operator should do
	RetryIn time.Duration
}

// maxPauseRetry caps how long a paused call sleeps between attempts, so a
// paused flow resumes within this long after the cause is gone.
const maxPauseRetry = 30 * time.Second

// Paused tells whether err pauses the account's work rather than failing it:
// re-authorization needed, a configuration amoCRM rejects, or a blocked
// account.
func Paused(err error) (Pause, bool) {
	var (
		r *ReauthError
		c *ConfigError
		b *BlockedError
	)
	clamp := func(d time.Duration) time.Duration {
		return min(max(d, time.Second), maxPauseRetry)
	}
	switch {
	case errors.As(err, &r):
		return Pause{"AmoAccountPaused", fmt.Sprintf("account %s needs re-authorization (%s): run amoflow auth url --account %s",
			r.Account, r.Reason, r.Account), clamp(r.RetryIn)}, true
	case errors.As(err, &c):
		return Pause{"AmoAccountPaused", strings.TrimPrefix(c.Error(), "amocrm: "), clamp(c.RetryIn)}, true
	case errors.As(err, &b):
		return Pause{"AmoAccountBlocked", strings.TrimPrefix(b.Error(), "amocrm: ") +
			"; work resumes by itself when amoCRM answers again", clamp(b.Wait)}, true
	}
	return Pause{}, false
}

// ValidationError is one entry of amoCRM's "validation-errors" (HTTP 400).
type ValidationError struct {
	RequestID string // which entity of the batch, as sent or its index
	Code      string // e.g. NotSupportedChoice
	Path      string // e.g. custom_fields_values.0.field_id
	Detail    string
}

func (v ValidationError) String() string {
	s := v.Path + ": " + v.Code
	if v.Detail != "" {
		s += " (" + v.Detail + ")"
	}
	if v.RequestID != "" {
		s = "request " + v.RequestID + ": " + s
	}
	return s
}

// Error is a failed amoCRM call.
type Error struct {
	Op         string // method and path, without the query (it may hold a phone)
	Status     int    // 0 when no HTTP answer arrived
	Body       string // the answer, truncated; never the request
	Validation []ValidationError
	Err        error // the transport error when Status is 0
}

// maxErrorBody bounds Error.Body: 429 and 403 answers are whole HTML pages.
const maxErrorBody = 512

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("amocrm: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Status == 0 {
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		} else {
			b.WriteString("no answer")
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	switch {
	case len(e.Validation) > 0:
		for i, v := range e.Validation {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(v.String())
		}
	case e.Status == http.StatusTooManyRequests:
		b.WriteString(" (rate limited)")
	case e.Status == http.StatusForbidden:
		b.WriteString(" (account blocked or access denied)")
	default:
		if s := problemSummary(e.Body); s != "" {
			b.WriteString(": ")
			b.WriteString(s)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes a 404 match ErrNotFound.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Retryable reports whether the same request may succeed later: transport
// errors and timeouts, 429, 5xx, and a 401 that survived a token refresh
// (another process refreshed in between). 400, a JSON 403 (no access), 404
// and undecodable answers are not. (amoCRM's HTML 403, a blocked account,
// is a BlockedError, never an *Error.)
func (e *Error) Retryable() bool {
	switch {
	case e.Status == 0:
		return e.Err != nil && !errors.Is(e.Err, context.Canceled)
	case e.Status == http.StatusTooManyRequests, e.Status == http.StatusUnauthorized,
		e.Status == http.StatusRequestTimeout, e.Status >= 500:
		return true
	}
	return false
}

// IsRetryable reports whether err is worth retrying. Only *Error values can
// be: ErrReauthRequired, ErrNotFound, a cancelled context and anything else
// (a request that cannot be encoded, say) are permanent.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrReauthRequired) || errors.Is(err, ErrNotFound) {
		return false
	}
	var e *Error
	return errors.As(err, &e) && e.Retryable()
}

// transportError wraps a failed round trip. It drops *url.Error's URL, which
// carries the query string (searches hold phones and e-mails).
func transportError(op string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Op: op, Err: err}
}

// statusError builds the error for a non-2xx answer.
func statusError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, Status: status, Body: truncate(body, maxErrorBody)}
	if status == http.StatusBadRequest {
		e.Validation = parseValidation(body)
	}
	return e
}

// parseValidation reads amoCRM's 400 body:
// {"validation-errors":[{"request_id":"0","errors":[{"code","path","detail"}]}], …}
func parseValidation(body []byte) []ValidationError {
	var p struct {
		Errors []struct {
			RequestID json.RawMessage `json:"request_id"`
			Errors    []struct {
				Code   string `json:"code"`
				Path   string `json:"path"`
				Detail string `json:"detail"`
			} `json:"errors"`
		} `json:"validation-errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return nil
	}
	var out []ValidationError
	for _, r := range p.Errors {
		id := strings.Trim(string(r.RequestID), `"`)
		for _, v := range r.Errors {
			out = append(out, ValidationError{RequestID: id, Code: v.Code, Path: v.Path, Detail: v.Detail})
		}
	}
	return out
}

// problemSummary picks the readable parts of an application/problem+json
// body; HTML and other bodies give "".
func problemSummary(body string) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Hint   string `json:"hint"`
	}
	if json.Unmarshal([]byte(body), &p) != nil {
		return ""
	}
	var parts []string
	for _, s := range []string{p.Title, p.Hint, p.Detail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}
