package eventsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestLookupThroughTheFake(t *testing.T) {
	f := NewFake("s3cret")
	f.Add(`День открытых дверей "МЦПО"`, Event{ID: "12", PageName: "День открытых дверей в МЦПО", Time: "2026-12-05 12:00:00", Address: "Москва, ул. Example, 1"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := &Client{URL: srv.URL, Secret: "s3cret"}

	e, err := c.Lookup(context.Background(), `День открытых дверей "МЦПО"`)
	if err != nil {
		t.Fatal(err)
	}
	if e.PageName != "День открытых дверей в МЦПО" || e.Address == "" {
		t.Fatalf("event = %+v", e)
	}
	at, ok := e.Unix()
	if want := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC).Unix(); !ok || at != want {
		t.Fatalf("Unix() = %d %v, want %d (Moscow time)", at, ok, want)
	}
	if _, err := c.Lookup(context.Background(), "Нет такого"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	f.FailNext(1)
	if _, err := c.Lookup(context.Background(), "x"); !IsRetryable(err) {
		t.Fatalf("502 must be retryable: %v", err)
	}
	bad := &Client{URL: srv.URL, Secret: "wrong"}
	_, err = bad.Lookup(context.Background(), "x")
	if err == nil || IsRetryable(err) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong secret: %v (permanent, secret not echoed)", err)
	}
	if f.Calls() != 4 {
		t.Fatalf("calls = %d", f.Calls())
	}
}

func TestLookupMediaTypeAndShapes(t *testing.T) {
	var body, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		if r.PostForm.Get("k1") != "a" || r.PostForm.Get("k2") != "b" {
			http.Error(w, "denied", 403)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL, Secret: "k1=a&k2=b"}
	body, ctype = `{"id": 7, "page_name": "STYX", "vrema": "", "event_address": ""}`, "application/json; charset=UTF-8"
	e, err := c.Lookup(context.Background(), "STYX")
	if err != nil || e.ID != "7" || e.PageName != "STYX" {
		t.Fatalf("numeric id, media type with parameters: %+v %v", e, err)
	}
	if _, ok := e.Unix(); ok {
		t.Fatal("no time given")
	}
	ctype = "text/html"
	if _, err := c.Lookup(context.Background(), "STYX"); err == nil || IsRetryable(err) {
		t.Fatalf("HTML answer: %v", err)
	}
	body, ctype = "[]", "application/json"
	if _, err := c.Lookup(context.Background(), "STYX"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty answer: %v", err)
	}
	if _, err := (&Client{}).Lookup(context.Background(), "x"); err == nil {
		t.Fatal("unconfigured client must fail")
	}
}

func TestLookupCounted(t *testing.T) {
	f := NewFake("s3cret")
	f.Add("Есть", Event{ID: "1", PageName: "p"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := &Client{URL: srv.URL, Secret: "s3cret"}
	count := func(o string) float64 { return testutil.ToFloat64(callsTotal.WithLabelValues(o)) }
	ok, nf := count("ok"), count("not_found")
	_, _ = c.Lookup(context.Background(), "Есть")
	_, _ = c.Lookup(context.Background(), "Нет")
	if count("ok")-ok != 1 || count("not_found")-nf != 1 {
		t.Errorf("ok +%v, not_found +%v", count("ok")-ok, count("not_found")-nf)
	}
}
