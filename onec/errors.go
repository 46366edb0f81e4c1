package onec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Kind classifies a failed 1C call (docs/architecture.md#1c-errors).
type Kind int

const (
	// KindTransport: no HTTP answer (connection refused, timeout, reset).
	KindTransport Kind = iota + 1
	// KindRejected: 1C answered 4xx (bad credentials, bad request, not found).
	KindRejected
	// KindServer: 1C answered 5xx.
	KindServer
	// KindMalformed: 2xx whose body is not the JSON expected (empty, HTML, …).
	KindMalformed
	// KindMissingID: 2xx without the object's GUID, or with the zero GUID.
	KindMissingID
)

func (k Kind) String() string {
	switch k {
	case KindTransport:
		return "transport"
	case KindRejected:
		return "rejected"
	case KindServer:
		return "server error"
	case KindMalformed:
		return "malformed answer"
	case KindMissingID:
		return "missing id"
	}
	return "unknown"
}

// ErrNotFound is matched by the error of a read whose object 1C does not have (404).
var ErrNotFound = errors.New("onec: not found")

// Error is a failed 1C call. It never holds the request body; Body is the
// answer, truncated and with digit runs and e-mail addresses masked.
type Error struct {
	Op     string // "POST EditStudent"
	Kind   Kind
	Status int    // 0 without an HTTP answer
	Body   string // redacted answer
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "onec: %s: %s", e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d %s)", e.Status, http.StatusText(e.Status))
	}
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		b.WriteString(": check onec.username and onec.password")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes a 404 match ErrNotFound.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Retryable reports whether the same call may succeed later: transport
// errors (unless the caller gave up), 5xx, 408 and 429. Rejections (401,
// 400, 404), malformed answers and missing ids are permanent: repeating a
// create that 1C answered oddly could create the object twice.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindTransport:
		return !errors.Is(e.Err, context.Canceled)
	case KindServer:
		return true
	case KindRejected:
		return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests
	}
	return false
}

// IsRetryable reports whether err is a 1C error worth retrying.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable()
}

// transportError drops *url.Error's URL (its query names the object).
func transportError(op string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Op: op, Kind: KindTransport, Err: err}
}

const maxErrorBody = 300

var (
	digitRun = regexp.MustCompile(`\d{4,}`)
	email    = regexp.MustCompile(`[^\s"'<>@]+@[^\s"'<>@]+`)
)

// redact shortens an answer and masks what could be personal data:
// numbers of four digits or more (phones, passports, SNILS) and e-mails.
func redact(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	s = strings.Join(strings.Fields(s), " ")
	s = email.ReplaceAllString(s, "<email>")
	s = digitRun.ReplaceAllString(s, "<digits>")
	if len(s) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
