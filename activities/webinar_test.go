package activities

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/webinar"
)

func TestRegisterForWebinar(t *testing.T) {
	f := webinar.NewFake("tok")
	srv := httptest.NewServer(f)
	defer srv.Close()
	at := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	f.AddEvent(webinar.Event{ID: 40, Name: "Массаж лица", Sessions: []webinar.Session{{ID: 41, StartsAt: at}}})
	f.AddEvent(webinar.Event{ID: 50, Name: "Без сессий"})
	w := &Webinar{API: webinar.New(srv.URL+"/v3", "tok", 0)}
	ctx := context.Background()

	r, err := w.RegisterForWebinar(ctx, WebinarRegisterInput{Event: 40, Email: "vera@example.ru"})
	if err != nil || r.Problem != "" || r.Session != 41 || r.StartsAt != at.Unix() || r.Name != "Массаж лица" ||
		r.Participation != f.Registered(41, "vera@example.ru") || r.Link == "" {
		t.Fatalf("registration = %+v, %v", r, err)
	}
	for _, c := range []struct {
		event   int64
		problem string
	}{{99, "no such event"}, {50, "no session"}} {
		if r, err := w.RegisterForWebinar(ctx, WebinarRegisterInput{Event: c.event, Email: "vera@example.ru"}); err != nil || !strings.Contains(r.Problem, c.problem) {
			t.Errorf("event %d: %+v, %v; want the problem %q reported", c.event, r, err, c.problem)
		}
	}
	f.FailNext(1)
	if _, err := w.RegisterForWebinar(ctx, WebinarRegisterInput{Event: 40, Email: "vera@example.ru"}); err == nil {
		t.Error("an outage must be retried (an error), not reported")
	}
	refused := &Webinar{API: webinar.New(srv.URL+"/v3", "wrong", 0)}
	if _, err := refused.RegisterForWebinar(ctx, WebinarRegisterInput{Event: 40, Email: "vera@example.ru"}); err == nil {
		t.Error("a refused token must be retried until the operator fixes it")
	}
	unset := &Webinar{API: webinar.New("", "", 0)}
	if r, err := unset.RegisterForWebinar(ctx, WebinarRegisterInput{Event: 40, Email: "vera@example.ru"}); err != nil || !strings.Contains(r.Problem, "not configured") {
		t.Errorf("webinar.ru not configured: %+v, %v; want it reported", r, err)
	}
}
