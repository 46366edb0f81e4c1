package admin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/metrics"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestListenerServesProcessMetrics(t *testing.T) {
	metrics.AccountNeedsReauth.WithLabelValues("admintest").Set(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(nil, quiet()).Serve(ctx, ln, quiet()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`amoflow_account_needs_reauth{account="admintest"} 1`, "go_goroutines", "amoflow_dead_letters"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReadyz(t *testing.T) {
	ok := Check{Name: "postgres", Func: func(context.Context) error { return nil }}
	down := Check{Name: "rabbitmq", Func: func(context.Context) error { return errors.New("connection refused to guest@10.0.0.1") }}
	get := func(s *Server) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w
	}
	if w := get(New([]Check{ok}, quiet())); w.Code != http.StatusOK {
		t.Errorf("all checks pass: %d %s", w.Code, w.Body)
	}
	w := get(New([]Check{ok, down}, quiet()))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"failing":["rabbitmq"]`) {
		t.Errorf("a check fails: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "refused") {
		t.Error("readyz exposes the error text")
	}
}

func TestReadyzCachedForASecond(t *testing.T) {
	calls := 0
	s := New([]Check{{Name: "temporal", Func: func(context.Context) error { calls++; return nil }}}, quiet())
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.ready.now = func() time.Time { return now }
	probe := func() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	}
	probe()
	probe()
	now = now.Add(999 * time.Millisecond)
	probe()
	if calls != 1 {
		t.Errorf("within a second: %d checks, want 1", calls)
	}
	now = now.Add(2 * time.Millisecond)
	probe()
	if calls != 2 {
		t.Errorf("after a second: %d checks, want 2", calls)
	}
	s.AddCheck(Check{Name: "rabbitmq", Func: func(context.Context) error { return errors.New("down") }})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("a check added later is not in the cached answer: %d", w.Code)
	}
}

func TestMuxTakesMoreHandlers(t *testing.T) {
	s := New(nil, quiet())
	s.Mux.Handle("/codec/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/codec/decode", nil))
	if w.Code != http.StatusTeapot {
		t.Errorf("mounted handler: %d", w.Code)
	}
}
