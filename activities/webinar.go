package activities

import (
	"context"
	"errors"
	"net/http"

	"go.temporal.io/sdk/temporal"

	"amoflow/webinar"
)

// Webinar holds the activity on webinar.ru (docs/flows.md#webinar_admission).
type Webinar struct {
	API *webinar.Client
}

// AttendanceInput names one participation of one session.
type AttendanceInput struct {
	Session       int64 `json:"session"`
	Participation int64 `json:"participation"`
}

// Attendance is whether the participation is in the session and attended.
type Attendance struct {
	Found   bool `json:"found"`
	Visited bool `json:"visited"`
}

// CheckAttendance reads the session's participations (one request per 500)
// and answers for the one asked about only, so no participant's data
// reaches the workflow history.
func (w *Webinar) CheckAttendance(ctx context.Context, in AttendanceInput) (Attendance, error) {
	ps, err := w.API.Participations(ctx, in.Session)
	switch {
	case err != nil && webinar.IsRetryable(err):
		return Attendance{}, err
	case err != nil:
		return Attendance{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrWebinarAPI, err)
	}
	for _, p := range ps {
		if p.ID == in.Participation {
			return Attendance{Found: true, Visited: p.Visited}, nil
		}
	}
	return Attendance{}, nil
}

// WebinarRegisterInput asks to register a site form's email to a webinar
// (the event's first session).
type WebinarRegisterInput struct {
	Event int64  `json:"event"`
	Email string `json:"email"`
}

// WebinarRegistration is a registration made, or why none could be
// (Problem: an unknown webinar, one without a session, a refused email;
// the flow notes it on the lead instead of failing the form).
type WebinarRegistration struct {
	Name          string `json:"name,omitempty"`
	Session       int64  `json:"session,omitempty"`
	StartsAt      int64  `json:"starts_at,omitempty"` // Unix seconds
	Participation int64  `json:"participation,omitempty"`
	Link          string `json:"link,omitempty"`
	Problem       string `json:"problem,omitempty"`
}

// RegisterForWebinar reads the event and registers the email to its first
// session (2 requests; webinar.ru answers a repeat with the same
// participation, so a retried attempt registers nobody twice). Outages
// and a refused token are retried (the token is the operator's to fix);
// anything else about this webinar is the form's problem, reported.
func (w *Webinar) RegisterForWebinar(ctx context.Context, in WebinarRegisterInput) (WebinarRegistration, error) {
	ev, err := w.API.Event(ctx, in.Event)
	if err == nil && len(ev.Sessions) == 0 {
		return WebinarRegistration{Name: ev.Name, Problem: "the webinar has no session"}, nil
	}
	var reg webinar.Registration
	if err == nil {
		reg, err = w.API.Register(ctx, ev.Sessions[0].ID, in.Email)
	}
	var we *webinar.Error
	switch {
	case err == nil:
		s := ev.Sessions[0]
		return WebinarRegistration{Name: ev.Name, Session: s.ID, StartsAt: s.StartsAt.Unix(), Participation: reg.ParticipationID, Link: reg.Link}, nil
	case webinar.IsRetryable(err), errors.As(err, &we) && (we.Status == http.StatusUnauthorized || we.Status == http.StatusForbidden):
		return WebinarRegistration{}, err
	}
	return WebinarRegistration{Problem: err.Error()}, nil
}
