package webinar

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
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

func TestRegisterToTheFirstSession(t *testing.T) {
	f := NewFake("tok")
	srv := httptest.NewServer(f)
	defer srv.Close()
	at := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	f.AddEvent(Event{ID: 40, Name: "Массаж лица", Sessions: []Session{{ID: 41, StartsAt: at}}})
	c := New(srv.URL+"/v3", "tok", 0)
	ev, err := c.Event(context.Background(), 40)
	if err != nil || ev.Name != "Массаж лица" || len(ev.Sessions) != 1 || ev.Sessions[0].ID != 41 || !ev.Sessions[0].StartsAt.Equal(at) {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	r, err := c.Register(context.Background(), 41, "Vera@Example.ru")
	if err != nil || r.ParticipationID == 0 || r.Link != Link(r.ParticipationID) || f.Registered(41, "vera@example.ru") != r.ParticipationID {
		t.Fatalf("registration = %+v, %v", r, err)
	}
	if again, _ := c.Register(context.Background(), 41, "vera@example.ru"); again != r {
		t.Errorf("a repeat = %+v, want the same participation %+v", again, r)
	}
	if ps, _ := c.Participations(context.Background(), 41); len(ps) != 1 || ps[0].ID != r.ParticipationID {
		t.Errorf("participations = %+v", ps)
	}
	if _, err := c.Event(context.Background(), 99); err == nil || IsRetryable(err) {
		t.Errorf("an unknown event: %v, want a permanent error", err)
	}
	if _, err := c.Register(context.Background(), 99, "a@b.ru"); err == nil || IsRetryable(err) {
		t.Errorf("an unknown session: %v, want a permanent error", err)
	}
	f.FailNext(1)
	if _, err := c.Register(context.Background(), 41, "a@b.ru"); !IsRetryable(err) {
		t.Errorf("502: %v, want retryable", err)
	}
}
