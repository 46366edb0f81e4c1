package workflows

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

// initialFlows are the flows with the shipped configuration (its tables
// and the old processor's 60 polls 30 s apart).
func initialFlows(t *testing.T) *Flows {
	t.Helper()
	t.Setenv("AMOFLOW_CALL_WAIT_INTERVAL", "")
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.Accounts["retail"].InitialLead.CallWait.WithDefaults(); w.Interval != 30*time.Second || w.Attempts != 60 {
		t.Fatalf("shipped call wait = %+v, want 60 × 30 s", w)
	}
	return &Flows{Config: cfg}
}

// newInitialEnv is a test environment for the hook_* flows with the
// shipped configuration.
func newInitialEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	return newHookTestEnv(t, initialFlows(t))
}

func initialEvent(id int64) HookEvent {
	return HookEvent{JobID: "wh-retail-initial_lead-lead" + strconv.FormatInt(id, 10), Account: "retail", Method: "initial_lead", Entity: "leads", ID: id, Action: "add"}
}

var (
	readWithContacts = activities.ReadInput{Account: "retail", ID: 501, With: []string{"contacts"}}
	readAgain        = activities.ReadInput{Account: "retail", ID: 501}
	leadNotes        = activities.ListNotesInput{Account: "retail", Entity: "leads", EntityID: 501, Types: []string{"common", "service_message"}}
)

// sipLead is a direct call from the PBX: it waits for its call result.
func sipLead(result string) activities.LeadCard {
	return activities.LeadCard{Lead: activities.Lead{ID: 501, Name: "sip:74951234567", PipelineID: 3198184, StatusID: 32532880,
		Fields: map[int64]string{639085: "Прямой звонок", 644675: result}, Tags: []activities.Tag{{ID: 247887, Name: "Прямой звонок"}}}}
}

func serviceTexts(notes []activities.NoteCard) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.Type+":"+n.Params.Text)
	}
	return out
}

func TestInitialLeadWaitsSixtyPollsForTheCallResult(t *testing.T) {
	env := newInitialEnv(t)
	env.OnActivity(amo.ReadLead, mock.Anything, readWithContacts).Return(sipLead(""), nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, leadNotes).Return(nil, nil).Once()
	var patches []activities.PatchLeadInput
	env.OnActivity(amo.PatchLead, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		patches = append(patches, args.Get(1).(activities.PatchLeadInput))
	}).Return(nil).Times(2)
	var added [][]string
	env.OnActivity(amo.AddNotes, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		added = append(added, serviceTexts(args.Get(1).(activities.AddNotesInput).Notes))
	}).Return([]int64{1}, nil).Times(2)
	// Nobody fills the result: 60 polls, then the read of phase 2.
	env.OnActivity(amo.ReadLead, mock.Anything, readAgain).Return(sipLead(""), nil).Times(61)
	start := env.Now()

	res := runFlow[InitialLeadResult](t, env, InitialLeadName, initialEvent(501))
	if !res.Waited || res.Polls != 60 || res.Answered || res.Path != "phases" || !res.Changed {
		t.Errorf("result = %+v", res)
	}
	if waited := env.Now().Sub(start); waited < 30*time.Minute {
		t.Errorf("waited %v of timers, want 60 × 30 s", waited)
	}
	env.AssertExpectations(t)
	if len(patches) != 2 || patches[0].Name != "Новая сделка" {
		t.Fatalf("patches = %+v", patches)
	}
	// Phase 2 on the unanswered direct call: type, tag, the result from the type.
	if got := fieldsOf(patches[1]); got[639075] != "Прямой звонок" || got[644675] != "Прямой звонок" {
		t.Errorf("phase 2 fields = %v", got)
	}
	want := [][]string{{"service_message:" + phase1Done}, {"service_message:" + phase2Done}}
	if len(added) != 2 || !slices.Equal(added[0], want[0]) || !slices.Equal(added[1], want[1]) {
		t.Errorf("notes = %v, want %v", added, want)
	}
}

func TestInitialLeadStopsWaitingWhenTheCallIsAnswered(t *testing.T) {
	env := newInitialEnv(t)
	env.OnActivity(amo.ReadLead, mock.Anything, readWithContacts).Return(sipLead(""), nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, leadNotes).Return(nil, nil).Once()
	env.OnActivity(amo.ReadLead, mock.Anything, readAgain).Return(sipLead(""), nil).Times(2)
	env.OnActivity(amo.ReadLead, mock.Anything, readAgain).Return(sipLead("Принят"), nil).Times(2)
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool { return in.Name == "Новая сделка" })).Return(nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool {
		return in.Name == "" && in.PipelineID == 3198184 && in.StatusID == 32532883 && fieldsOf(in)[639075] == "Прямой звонок"
	})).Return(nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.Anything).Return([]int64{1}, nil).Times(2)
	start := env.Now()

	res := runFlow[InitialLeadResult](t, env, InitialLeadName, initialEvent(501))
	if !res.Waited || res.Polls != 3 || !res.Answered {
		t.Errorf("result = %+v", res)
	}
	if waited := env.Now().Sub(start); waited < 90*time.Second || waited >= 2*time.Minute {
		t.Errorf("waited %v, want 3 × 30 s", waited)
	}
	env.AssertExpectations(t)
}

func TestInitialLeadSiteFormInOnePass(t *testing.T) {
	env := newInitialEnv(t)
	lead := activities.LeadCard{Lead: activities.Lead{ID: 501, Name: "Заявка с сайта", PipelineID: 3198184, StatusID: 32532880,
		Fields: map[int64]string{644511: "contactForm", 639075: "Заявка с формы Записаться", 639081: "mzpo-s.ru"}}}
	env.OnActivity(amo.ReadLead, mock.Anything, readWithContacts).Return(lead, nil).Once()
	// The form's note is there from an earlier, failed run: not added again.
	env.OnActivity(amo.ListNotes, mock.Anything, leadNotes).Return([]activities.NoteCard{{ID: 9, EntityID: 501, Type: "common", Params: amocrm.NoteParams{Text: formSignUpNote}}}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool {
		return in.Name == "Новая сделка" && slices.Equal(tagsOf(in), []string{"mzpo-s.ru"})
	})).Return(nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool {
		return in.Name == "" && fieldsOf(in)[644675] == "Заявка с сайта" && !in.SetTags
	})).Return(nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
		got := serviceTexts(in.Notes)
		return slices.Equal(got, []string{"service_message:" + phase1Done, "service_message:" + phase2Done}) && in.Notes[0].Params.Service == "mzpo2amo"
	})).Return([]int64{1, 2}, nil).Once()

	res := runFlow[InitialLeadResult](t, env, InitialLeadName, initialEvent(501))
	if res.Waited || res.Skipped != "" || !res.Changed {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestInitialLeadSocialInstagram(t *testing.T) {
	env := newInitialEnv(t)
	lead := activities.LeadCard{Lead: activities.Lead{ID: 501, Name: "Instagram", PipelineID: 3326584, StatusID: 1, ContactIDs: []int64{61},
		Fields: map[int64]string{647449: "https://instagram.com/ad"}}}
	env.OnActivity(amo.ReadLead, mock.Anything, readWithContacts).Return(lead, nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, leadNotes).Return(nil, nil).Once()
	env.OnActivity(amo.ReadContact, mock.Anything, activities.ReadInput{Account: "retail", ID: 61, Fields: []int64{640695}}).
		Return(activities.ContactCard{Contact: activities.Contact{ID: 61}, Fields: map[int64]string{640695: "@olga"}}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, mock.MatchedBy(func(in activities.PatchLeadInput) bool {
		return in.ResponsibleID == 2576764 && in.PipelineID == 0 && fieldsOf(in)[639085] == "mzpo-s.ru_instagram"
	})).Return(nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "retail", ID: 501, Name: "Новая сделка", PipelineID: 3198184, StatusID: 32532880}).Return(nil).Once()
	env.OnActivity(amo.ListNotes, mock.Anything, activities.ListNotesInput{Account: "retail", Entity: "contacts", EntityID: 61, Types: []string{"common"}}).Return(nil, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, activities.AddNotesInput{Account: "retail", Entity: "contacts",
		Notes: []activities.NoteCard{{EntityID: 61, Type: "common", Params: amocrm.NoteParams{Text: "https://www.instagram.com/olga/"}}}}).Return([]int64{1}, nil).Once()
	env.OnActivity(amo.AddNotes, mock.Anything, mock.MatchedBy(func(in activities.AddNotesInput) bool {
		return in.Entity == "leads" && slices.Equal(serviceTexts(in.Notes), []string{"common:https://instagram.com/ad", "service_message:" + socialDone})
	})).Return([]int64{1, 2}, nil).Once()

	res := runFlow[InitialLeadResult](t, env, InitialLeadName, initialEvent(501))
	if res.Path != "social" || !res.Changed {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

func TestInitialLeadLeavesProcessedAndForeignLeads(t *testing.T) {
	for name, c := range map[string]struct {
		lead  activities.LeadCard
		notes []activities.NoteCard
		skip  string
	}{
		"processed before": {sipLead("x"), []activities.NoteCard{{Type: "service_message", Params: amocrm.NoteParams{Text: phase2Done}}}, "the lead was processed before"},
		"other pipeline":   {activities.LeadCard{Lead: activities.Lead{ID: 501, PipelineID: 999}}, nil, "pipeline 999 is not processed"},
		"deleted":          {activities.LeadCard{}, nil, "the lead does not exist"},
	} {
		t.Run(name, func(t *testing.T) {
			env := newInitialEnv(t)
			env.OnActivity(amo.ReadLead, mock.Anything, readWithContacts).Return(c.lead, nil).Once()
			env.OnActivity(amo.ListNotes, mock.Anything, leadNotes).Return(c.notes, nil).Maybe()
			res := runFlow[InitialLeadResult](t, env, InitialLeadName, initialEvent(501))
			if res.Skipped != c.skip || res.Changed {
				t.Errorf("result = %+v, want skipped %q", res, c.skip)
			}
		})
	}
}
