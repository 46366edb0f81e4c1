package workflows

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

func TestRevertStage(t *testing.T) {
	intake := config.Stage{PipelineID: 3198184, StatusID: 32532880}
	sc := config.SetCourse{ForbiddenStatuses: []int64{32532886, 33817816}}
	cases := []struct {
		name string
		ch   activities.StageChange
		want config.Stage
		ok   bool
	}{
		{"back to where it came from", activities.StageChange{Found: true, PipelineID: 3198184, StatusID: 32532883}, config.Stage{PipelineID: 3198184, StatusID: 32532883}, true},
		{"a forbidden stage: stay", activities.StageChange{Found: true, PipelineID: 3198184, StatusID: 33817816}, config.Stage{}, false},
		{"no stage change: the intake", activities.StageChange{}, intake, true},
	}
	for _, c := range cases {
		got, ok := revertStage(c.ch, intake, sc)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestProductElementAndCourseCode(t *testing.T) {
	l := activities.AmoRecord{Elements: []activities.AmoLinkTo{{Entity: "catalog_elements", ID: 5, CatalogID: 999}, {Entity: "catalog_elements", ID: 7, CatalogID: 12463}}}
	if got := productElement(l, 12463); got != 7 {
		t.Errorf("product = %d, want the course catalog's 7", got)
	}
	if got := productElement(activities.AmoRecord{}, 12463); got != 0 {
		t.Errorf("no product = %d", got)
	}
	if got := courseCode("  ммц-и "); got != "ММЦ-И" {
		t.Errorf("courseCode = %q", got)
	}
	notes := []activities.NoteCard{{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "x"}, CreatedAt: 1}, {ID: 2, Type: "common", Params: amocrm.NoteParams{Text: noProductNote}, CreatedAt: 2}}
	if !reminded(notes) || reminded(notes[:1]) {
		t.Error("reminded")
	}
}

func TestSetCourseFromTheProduct(t *testing.T) {
	env := newInitialEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "leads", ID: 501}).
		Return(activities.AmoRecord{ID: 501, Fields: map[int64]string{357005: "old"}, Elements: []activities.AmoLinkTo{{Entity: "catalog_elements", ID: 8, CatalogID: 12463}}}, nil).Once()
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "catalog_elements", ID: 8, CatalogID: 12463}).
		Return(activities.AmoRecord{ID: 8, Fields: map[int64]string{647993: "ммц-и"}}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 501, Fields: []activities.FieldValues{textField(357005, "ММЦ-И")}}).Return(nil).Once()
	mustRun(t, env, SetCourseName, HookEvent{JobID: "wh-x", Account: "retail", Method: "setcourse", Entity: "leads", ID: 501})
	env.AssertExpectations(t)
}

func TestSetCourseWithoutAProductRevertsTheStage(t *testing.T) {
	env := newInitialEnv(t)
	env.OnActivity(amo.ReadRecord1C, mock.Anything, activities.AmoRef{Account: "retail", Entity: "leads", ID: 501}).
		Return(activities.AmoRecord{ID: 501, PipelineID: 3198184, StatusID: 35942104}, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "leads", EntityID: 501, Types: []string{"common"}}).Return(nil, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "retail", Entity: "leads",
		Notes: []activities.NoteCard{{EntityID: 501, Type: "common", Params: amocrm.NoteParams{Text: noProductNote}}}}).Return([]int64{1}, nil).Once()
	env.OnActivity(amo.LastStageChange, mock.Anything, activities.StageChangeInput{Account: "retail", LeadID: 501}).
		Return(activities.StageChange{Found: true, PipelineID: 3198184, StatusID: 32532883}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 501, PipelineID: 3198184, StatusID: 32532883}).Return(nil).Once()
	res := runFlow[HookResult](t, env, SetCourseName, HookEvent{JobID: "wh-x", Account: "retail", Method: "setcourse", Entity: "leads", ID: 501})
	if !res.Changed {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestCapitalizeCourse(t *testing.T) {
	for in, want := range map[string]bool{" ммц-и": true, "ММЦ-И": false, "": false} {
		env := newInitialEnv(t)
		env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "retail", ID: 501}).
			Return(activities.LeadCard{Lead: activities.Lead{ID: 501, Fields: map[int64]string{357005: in}}}, nil).Once()
		if want {
			env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 501, Fields: []activities.FieldValues{textField(357005, "ММЦ-И")}}).Return(nil).Once()
		}
		res := runFlow[HookResult](t, env, CapitalizeCourseName, HookEvent{JobID: "wh-x", Account: "retail", Method: "capitalizecourse", Entity: "leads", ID: 501})
		if res.Changed != want {
			t.Errorf("%q: result = %+v", in, res)
		}
		env.AssertExpectations(t)
	}
}

func TestUnsortedAccept(t *testing.T) {
	// The events of a delivery with two new entries (hookevents' test
	// splits the delivery; the u-2 entry comes from Wazzup).
	evs := []HookEvent{
		{JobID: UnsortedEventJobID("retail", "unsorted_accept", "u-1"), Account: "retail", Method: "unsorted_accept", Entity: "unsorted", Action: "add",
			Params: map[string]string{"uid": "u-1", "service": "com.example.forms"}},
		{JobID: UnsortedEventJobID("retail", "unsorted_accept", "u-2"), Account: "retail", Method: "unsorted_accept", Entity: "unsorted", Action: "add",
			Params: map[string]string{"uid": "u-2", "service": "com.wazzup24.wz"}},
	}
	var got []string
	for _, ev := range evs {
		env := newInitialEnv(t)
		env.OnActivity(amo.AcceptUnsorted, mock.Anything, activities.UnsortedInput{Account: "retail", UID: "u-1"}).Return(true, nil).Maybe()
		res := runFlow[UnsortedResult](t, env, UnsortedAcceptName, ev)
		got = append(got, res.Skipped)
		if ev.Params["uid"] == "u-1" && !res.Accepted {
			t.Errorf("u-1 not accepted: %+v", res)
		}
	}
	if !slices.Equal(got, []string{"", "entries of com.wazzup24.wz are accepted by hand"}) {
		t.Errorf("skipped = %q", got)
	}
}
