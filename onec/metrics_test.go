package onec

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"amoflow/config"
)

func TestCallsCountedByMethodAndOutcome(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/EditCourse" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"uid":"00000000-0000-0000-0000-000000000001"}`))
	}))
	defer srv.Close()
	c := New(config.OneC{BaseURL: srv.URL + "/", Username: "u", Password: "p"})
	before := testutil.ToFloat64(callsTotal.WithLabelValues("EditCourse", "GET", "server_error"))
	beforeOK := testutil.ToFloat64(callsTotal.WithLabelValues("EditStudent", "GET", "ok"))
	_, _ = c.GetStudent(context.Background(), "00000000-0000-0000-0000-000000000001")
	_, _ = c.GetCourse(context.Background(), "00000000-0000-0000-0000-000000000001")
	if got := testutil.ToFloat64(callsTotal.WithLabelValues("EditCourse", "GET", "server_error")) - before; got != 1 {
		t.Errorf("EditCourse server_error: %v", got)
	}
	if got := testutil.ToFloat64(callsTotal.WithLabelValues("EditStudent", "GET", "ok")) - beforeOK; got != 1 {
		t.Errorf("EditStudent ok: %v", got)
	}
}
