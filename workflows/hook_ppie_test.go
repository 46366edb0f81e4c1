package workflows

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"amoflow/activities"
	"amoflow/config"
)

func TestPPIEPlan(t *testing.T) {
	fresh := activities.Lead{ID: 1, Name: "Сделка #1", PipelineID: 4600000, StatusID: 1}
	for _, c := range []struct {
		name    string
		lead    activities.Lead
		fromBot bool
		want    activities.PatchLeadInput
		ok      bool
	}{
		{"renamed only", fresh, false, activities.PatchLeadInput{ID: 1, Name: "Новая сделка"}, true},
		{"from the bot: renamed and placed", fresh, true, activities.PatchLeadInput{ID: 1, Name: "Новая сделка", PipelineID: 4647979, StatusID: 42656578}, true},
		{"done already", activities.Lead{ID: 1, Name: "Новая сделка", PipelineID: 4647979, StatusID: 42656578}, true, activities.PatchLeadInput{ID: 1}, false},
	} {
		got, ok := ppiePlan(c.lead, "Новая сделка", c.fromBot, 4647979, 42656578)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if !ppieHasTag([]activities.Tag{{Name: " wa "}}, "WA") || ppieHasTag([]activities.Tag{{Name: "WAX"}}, "WA") {
		t.Error("the WhatsApp tag is matched by whole name, any case")
	}
}

func ppieFlows() *Flows {
	f := hookFlows()
	f.Config.Accounts["ppie"] = &config.Account{Name: "ppie", LeadName: "Новая сделка",
		Pipelines: map[string]int64{"models": 4647979}, Statuses: map[string]int64{"models_new": 42656578}}
	f.Config.Guards.PPIE = config.PPIE{WhatsAppTag: "WA", BotOrigin: "wahelp.whatbot.1"}
	return f
}

func TestPPIEFromTheBot(t *testing.T) {
	env := newHookTestEnv(t, ppieFlows())
	lead := activities.LeadCard{Lead: activities.Lead{ID: 9, Name: "Сделка #9", PipelineID: 1, StatusID: 2, Tags: []activities.Tag{{Name: "WA"}}}}
	env.OnActivity(amo.ReadLead, mock.Anything, activities.ReadInput{Account: "ppie", ID: 9}).Return(lead, nil).Once()
	env.OnActivity(amo.ChatOrigins, mock.Anything, activities.ChatOriginsInput{Account: "ppie", LeadID: 9}).Return([]string{"com.wazzup24.wz", "wahelp.whatbot.1"}, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "ppie", ID: 9, Name: "Новая сделка", PipelineID: 4647979, StatusID: 42656578}).Return(nil).Once()
	mustRun(t, env, PPIEName, HookEvent{Account: "ppie", Entity: "leads", ID: 9})
	env.AssertExpectations(t)

	// Without the WhatsApp tag no events are read: renamed only.
	env = newHookTestEnv(t, ppieFlows())
	lead.Tags = nil
	env.OnActivity(amo.ReadLead, mock.Anything, mock.Anything).Return(lead, nil).Once()
	env.OnActivity(amo.PatchLead, mock.Anything, activities.PatchLeadInput{Account: "ppie", ID: 9, Name: "Новая сделка"}).Return(nil).Once()
	mustRun(t, env, PPIEName, HookEvent{Account: "ppie", Entity: "leads", ID: 9})
	env.AssertExpectations(t)
}

func TestPPIEWithoutItsAccountIsAConfigurationError(t *testing.T) {
	env := newHookTestEnv(t, hookFlows()) // no accounts.ppie
	env.ExecuteWorkflow(PPIEName, HookEvent{Account: "ppie", Entity: "leads", ID: 9})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || !app.NonRetryable() || !strings.Contains(err.Error(), "accounts.ppie") {
		t.Fatalf("error = %v", err)
	}
}
