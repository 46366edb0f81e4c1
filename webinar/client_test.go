package webinar

import (
	"context"
	"net/http/httptest"
	"testing"
)

func TestParticipationsPagesAndClassifies(t *testing.T) {
	f := NewFake("tok")
	srv := httptest.NewServer(f)
	defer srv.Close()
	var many []Participation
	for i := range 501 {
		many = append(many, Participation{ID: int64(i + 1), Visited: i == 500})
	}
	f.Add(7, many...)
	c := New(srv.URL+"/v3", "tok", 0)
	got, err := c.Participations(context.Background(), 7)
	if err != nil || len(got) != 501 || !got[500].Visited || f.Calls() != 2 {
		t.Fatalf("got %d (%v), %d calls: want every page, 2 requests", len(got), err, f.Calls())
	}
	f.FailNext(1)
	if _, err := c.Participations(context.Background(), 7); !IsRetryable(err) {
		t.Errorf("502: %v, want retryable", err)
	}
	if _, err := New(srv.URL+"/v3", "wrong", 0).Participations(context.Background(), 7); err == nil || IsRetryable(err) {
		t.Errorf("a refused token: %v, want a permanent error", err)
	}
	if _, err := c.Participations(context.Background(), 8); err == nil || IsRetryable(err) {
		t.Errorf("an unknown session: %v, want a permanent error", err)
	}
	if _, err := (&Client{}).Participations(context.Background(), 7); err == nil || IsRetryable(err) {
		t.Errorf("no base URL: %v", err)
	}
}
