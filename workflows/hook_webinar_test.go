package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
	"amoflow/amocrm"
)

var webinarIDs = webinarStages{FreePipeline: 3199819, FreeVisited: 45252571, FreeMissed: 45252574,
	PaidPipeline: 4977523, PaidVisited: 45252577, PaidMissed: 45252580}

func TestWebinarStatus(t *testing.T) {
	for _, c := range []struct {
		name    string
		lead    activities.Lead
		visited bool
		want    int64
	}{
		{"free, visited", activities.Lead{PipelineID: 3199819, StatusID: 32544562}, true, 45252571},
		{"free, missed", activities.Lead{PipelineID: 3199819, StatusID: 32544562}, false, 45252574},
		{"paid, visited", activities.Lead{PipelineID: 4977523, StatusID: 1}, true, 45252577},
		{"paid, missed", activities.Lead{PipelineID: 4977523, StatusID: 1}, false, 45252580},
		{"at the stage already", activities.Lead{PipelineID: 4977523, StatusID: 45252577}, true, 0},
		{"another pipeline: only the note", activities.Lead{PipelineID: 3198184, StatusID: 32532880}, true, 0},
	} {
		if got := webinarStatus(c.lead, webinarIDs, c.visited); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestWebinarNote(t *testing.T) {
	at := int64(1764687600) // 2025-12-02 15:00 UTC = 18:00 in Moscow
	for _, c := range []struct {
		visited bool
		at      int64
		want    string
	}{
		{true, at, "Слушатель присутствовал на вебинаре 02.12.2025 - 18:00"},
		{false, at, "Слушатель не присутствовал на вебинаре 02.12.2025 - 18:00"},
		{true, 0, "Слушатель присутствовал на вебинаре"},
	} {
		if got := webinarNote(c.visited, c.at); got != c.want {
			t.Errorf("note = %q, want %q", got, c.want)
		}
	}
}

func webinarFlows() *Flows {
	f := hookFlows()
	r := f.Config.Accounts["retail"]
	r.LeadFields = map[string]int64{"webinar_date": 725629, "webinar_session": 725633, "webinar_participation": 725635}
	r.Pipelines = map[string]int64{"free_webinars": 3199819, "paid_webinars": 4977523}
	r.Statuses = map[string]int64{"free_webinar_visited": 45252571, "free_webinar_missed": 45252574, "paid_webinar_visited": 45252577, "paid_webinar_missed": 45252580}
	f.Config.Webinar.BaseURL = "http://webinar.test"
	return f
}

func TestWebinarAdmissionMovesAndNotes(t *testing.T) {
	env := newHookTestEnv(t, webinarFlows())
	lead := activities.LeadCard{Lead: activities.Lead{ID: 31, PipelineID: 4977523, StatusID: 1,
		Fields: map[int64]string{725633: "9001", 725635: "77", 725629: "1764687600"}}}
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 31}).Return(lead, nil).Once()
	env.OnActivity(webinarService.CheckAttendance, mock.Anything, activities.AttendanceInput{Session: 9001, Participation: 77}).
		Return(activities.Attendance{Found: true, Visited: false}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 31, PipelineID: 4977523, StatusID: 45252580}).Return(nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "leads", EntityID: 31, Types: []string{"common"}}).Return(nil, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "retail", Entity: "leads", Notes: []activities.NoteCard{
		{EntityID: 31, Type: "common", Params: amocrm.NoteParams{Text: "Слушатель не присутствовал на вебинаре 02.12.2025 - 18:00"}}}}).Return([]int64{1}, nil).Once()
	mustRun(t, env, WebinarAdmissionName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	env.AssertExpectations(t)

	// Without a session on the lead there is nothing to ask.
	env = newHookTestEnv(t, webinarFlows())
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(activities.LeadCard{Lead: activities.Lead{ID: 31}}, nil).Once()
	res := runFlow[HookResult](t, env, WebinarAdmissionName, HookEvent{Account: "retail", Entity: "leads", ID: 31})
	if res.Changed || res.Skipped == "" {
		t.Fatalf("result = %+v", res)
	}
	env.AssertExpectations(t)
}
