package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

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
		"blocked":    &amocrm.Error{Op: "GET /api/v4/leads", Status: http.StatusForbidden},
		"reauth":     &amocrm.ReauthError{Account: "retail", Reason: "refresh token revoked"},
		"not found":  fmt.Errorf("get: %w", amocrm.ErrNotFound),
	}
	for name, err := range permanent {
		var app *temporal.ApplicationError
		if got := classify(err); !errors.As(got, &app) || !app.NonRetryable() {
			t.Errorf("%s: %v classified retryable, want a non-retryable error", name, got)
		}
	}
	if classify(nil) != nil {
		t.Error("nil must stay nil")
	}
}
