package workflows

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"

	"amoflow/activities"
	"amoflow/config"
)

func leadTasksEnvConfig(c *config.Config) {
	c.Widgets.LeadTasks = config.LeadTasks{Account: "retail", Variants: []string{"Отправлено КП", "Взято в работу"}}
}

func TestLeadTasksReadsEveryPageAndListsTheOpenTasks(t *testing.T) {
	env := widgetTestEnv(t, leadTasksEnvConfig)
	page := func(n int) activities.LeadTasksPageInput {
		return activities.LeadTasksPageInput{Account: "retail", LeadID: 42, Page: n}
	}
	env.OnActivity(widgets.WidgetLeadTasks, mock.Anything, page(1)).
		Return(activities.LeadTasksPage{Tasks: []activities.LeadTaskState{{ID: 1, Completed: true}, {ID: 2}}, More: true}, nil).Once()
	// A throttled read is retried on the account's queue.
	env.OnActivity(widgets.WidgetLeadTasks, mock.Anything, page(2)).Return(activities.LeadTasksPage{}, errors.New("amocrm: 429")).Once()
	env.OnActivity(widgets.WidgetLeadTasks, mock.Anything, page(2)).
		Return(activities.LeadTasksPage{Tasks: []activities.LeadTaskState{{ID: 3}}}, nil).Once()
	env.ExecuteWorkflow(LeadTasksName, LeadTasksInput{LeadID: 42})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var got []LeadTaskEntry
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TaskID != 2 || got[1].TaskID != 3 || strings.Join(got[1].Variants, "|") != "Отправлено КП|Взято в работу" {
		t.Errorf("got %+v", got)
	}
	env.AssertExpectations(t)
}

func TestLeadTasksOfALeadWithoutTasksIsAnEmptyList(t *testing.T) {
	env := widgetTestEnv(t, leadTasksEnvConfig)
	env.OnActivity(widgets.WidgetLeadTasks, mock.Anything, mock.Anything).Return(activities.LeadTasksPage{}, nil).Once()
	env.ExecuteWorkflow(LeadTasksName, LeadTasksInput{LeadID: 7})
	var got []LeadTaskEntry
	if err := env.GetWorkflowResult(&got); err != nil || got == nil || len(got) != 0 {
		t.Errorf("got %#v (%v), want an empty list", got, err)
	}
}

func TestLeadTasksWithoutAnAccountFails(t *testing.T) {
	env := widgetTestEnv(t) // widgets.lead_tasks not configured
	env.ExecuteWorkflow(LeadTasksName, LeadTasksInput{LeadID: 7})
	if err := env.GetWorkflowError(); err == nil {
		t.Error("no error without widgets.lead_tasks.account")
	}
}
