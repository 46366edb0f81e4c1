package app

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"amoflow/config"
	"amoflow/workflows"
)

// EnsureUchebaSchedule creates the nightly ucheba.ru import's Temporal
// Schedule, or brings an existing one in line with the configuration (cron,
// time zone, action), as amoflow worker does at start; every worker may
// call it at once. It keeps the schedule's state: a schedule an operator
// paused in the Temporal UI stays paused across restarts. With
// ucheba.enabled off it does nothing (an existing schedule is left alone:
// pause or delete it in the UI). It reports "created", "updated" or "off".
func EnsureUchebaSchedule(ctx context.Context, cfg *config.Config, tc client.Client) (string, error) {
	u := cfg.Ucheba
	if !u.Enabled {
		return "off", nil
	}
	spec := client.ScheduleSpec{CronExpressions: []string{u.Schedule.Cron}, TimeZoneName: u.Schedule.TimeZone}
	// The day is left empty: each run imports the day before its scheduled
	// time, in the schedule's zone (workflows.UchebaImport).
	action := &client.ScheduleWorkflowAction{
		ID:            u.Schedule.ID, // Temporal appends the scheduled time
		Workflow:      workflows.UchebaImportName,
		Args:          []any{workflows.UchebaImportInput{}},
		TaskQueue:     cfg.Temporal.TaskQueue,
		StaticSummary: "ucheba.ru nightly import (yesterday)",
	}
	if cfg.Temporal.SearchAttributes { // filtered like the by-hand imports: AmoSource = "ucheba/import"
		action.TypedSearchAttributes = temporal.NewSearchAttributes(workflows.AmoSourceKey.ValueSet("ucheba/import"))
	}
	sc := tc.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:      u.Schedule.ID,
		Spec:    spec,
		Action:  action,
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP, // a run still starting forms is not doubled
	})
	if err == nil {
		return "created", nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return "", fmt.Errorf("ucheba.ru schedule %s: %w", u.Schedule.ID, err)
	}
	err = sc.GetHandle(ctx, u.Schedule.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &spec
			s.Action = action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = enums.SCHEDULE_OVERLAP_POLICY_SKIP
			return &client.ScheduleUpdate{Schedule: &s}, nil // State (paused, its note) as it is
		},
	})
	if err != nil {
		return "", fmt.Errorf("ucheba.ru schedule %s: update: %w", u.Schedule.ID, err)
	}
	return "updated", nil
}
