package activities

import (
	"context"

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
