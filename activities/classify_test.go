package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"amoflow/amocrm"
)

func TestClassify(t *testing.T) {
	retry := map[string]error{
		"429":               &amocrm.Error{Op: "GET /api/v4/leads", Status: http.StatusTooManyRequests},
		"502":               &amocrm.Error{Op: "GET /api/v4/leads", Status: http.StatusBadGateway},
		"network":           &amocrm.Error{Op: "GET /api/v4/leads", Err: errors.New("connection reset")},
		"worker stopping":   &amocrm.Error{Op: "POST /api/v4/leads/complex", Err: context.Canceled},
		"attempt timed out": fmt.Errorf("wrapped: %w", context.DeadlineExceeded),
	}
	for name, err := range retry {
		var app *temporal.ApplicationError
		if got := classify(err); errors.As(got, &app) && app.NonRetryable() {
			t.Errorf("%s: classified non-retryable, want retried", name)
		}
	}
	permanent := map[string]error{
		"validation": &amocrm.Error{Op: "POST /api/v4/leads", Status: http.StatusBadRequest},
		"no rights":  &amocrm.Error{Op: "GET /api/v4/leads", Status: http.StatusForbidden},
		"not found":  fmt.Errorf("get: %w", amocrm.ErrNotFound),
	}
	for name, err := range permanent {
		var app *temporal.ApplicationError
		if got := classify(err); !errors.As(got, &app) || !app.NonRetryable() {
			t.Errorf("%s: %v classified retryable, want a non-retryable error", name, got)
		}
	}
	// An account waiting for an operator or for amoCRM pauses: retried,
	// soon, under a type the UI shows.
	paused := map[string]struct {
		err      error
		typ, msg string
		delay    time.Duration
	}{
		"reauth": {&amocrm.ReauthError{Account: "retail", Reason: "refresh token revoked", RetryIn: 10 * time.Second},
			"AmoAccountPaused", "account retail needs re-authorization (refresh token revoked): run amoflow auth url --account retail", 10 * time.Second},
		"bad client": {fmt.Errorf("x: %w", &amocrm.ConfigError{Account: "corp", Reason: "401", RetryIn: time.Hour}),
			"AmoAccountPaused", "", 30 * time.Second},
		"blocked": {&amocrm.BlockedError{Account: "retail", Wait: 2 * time.Second},
			"AmoAccountBlocked", "", 2 * time.Second},
	}
	for name, c := range paused {
		var app *temporal.ApplicationError
		got := classify(c.err)
		if !errors.As(got, &app) || app.NonRetryable() || app.Type() != c.typ || app.NextRetryDelay() != c.delay {
			t.Errorf("%s: %v; want retryable %s retried in %v", name, got, c.typ, c.delay)
			continue
		}
		if c.msg != "" && app.Message() != c.msg {
			t.Errorf("%s: message %q, want %q", name, app.Message(), c.msg)
		}
	}
	if classify(nil) != nil {
		t.Error("nil must stay nil")
	}
}
