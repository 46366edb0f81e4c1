package amocrm

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestEndpointTemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v4/leads":                      "/api/v4/leads",
		"/api/v4/leads/123":                  "/api/v4/leads/{id}",
		"/api/v4/leads/123/notes":            "/api/v4/leads/{id}/notes",
		"/api/v4/catalogs/7/elements/99":     "/api/v4/catalogs/{id}/elements/{id}",
		"/api/v4/leads/pipelines/5/statuses": "/api/v4/leads/pipelines/{id}/statuses",
		"/api/v4/contacts/custom_fields":     "/api/v4/contacts/custom_fields",
		"/api/v4/leads/1?with=contacts":      "/api/v4/leads/{id}",
	} {
		if got := EndpointTemplate(path); got != want {
			t.Errorf("%s → %s, want %s", path, got, want)
		}
	}
}

func TestClientCountsRequests(t *testing.T) {
	c, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v4/leads/42" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, 200, map[string]any{"id": 8})
	})
	c.acct.Name = "metricstest"
	ctx := context.Background()
	_, _ = c.Lead(ctx, 8)
	_, _ = c.Lead(ctx, 42)
	if got := testutil.ToFloat64(requestsTotal.WithLabelValues("metricstest", "GET", "/api/v4/leads/{id}", "2xx")); got != 1 {
		t.Errorf("2xx count %v", got)
	}
	if got := testutil.ToFloat64(requestsTotal.WithLabelValues("metricstest", "GET", "/api/v4/leads/{id}", "4xx")); got != 1 {
		t.Errorf("4xx count %v", got)
	}
	if got := testutil.ToFloat64(tooManyTotal.WithLabelValues("metricstest")); got != 1 {
		t.Errorf("429 count %v", got)
	}
	if n := testutil.CollectAndCount(requestSeconds, "amoflow_amocrm_request_duration_seconds"); n == 0 {
		t.Error("no latency series")
	}
}
