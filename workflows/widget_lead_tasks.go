package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// LeadTasksInput is the old C# GET /api/leadtasks/{id}: the open tasks of
// a lead of widgets.lead_tasks.account.
type LeadTasksInput struct {
	LeadID int64 `json:"lead_id"`
}

// LeadTaskEntry is one open task as the old endpoint listed it (same keys):
// its id and the results a manager may pick.
type LeadTaskEntry struct {
	TaskID   int64    `json:"task_id"`
	Variants []string `json:"variants"`
}

// leadTasksMaxPages bounds the read: 20 pages of 250 tasks.
const leadTasksMaxPages = 20

// leadTasksSettings is what LeadTasks reads of the configuration, recorded
// in the history once per run.
type leadTasksSettings struct {
	Account  string
	Variants []string
}

// LeadTasks lists a lead's open tasks, each with the configured variants,
// as the old endpoint did: one amoCRM read per 250 tasks (one for a usual
// lead) on the account's rate-limited queue. A lead without tasks (or one
// that does not exist: amoCRM answers 204 either way) lists nothing.
func (f *Flows) LeadTasks(ctx workflow.Context, in LeadTasksInput) ([]LeadTaskEntry, error) {
	var s leadTasksSettings
	if err := workflow.SideEffect(ctx, func(workflow.Context) any {
		lt := f.Config.Widgets.LeadTasks
		return leadTasksSettings{Account: lt.Account, Variants: lt.Variants}
	}).Get(&s); err != nil {
		return nil, err
	}
	o, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := o.account(s.Account)
	if err != nil {
		return nil, err
	}
	rctx := widgetReadOptions(ctx, acct)
	var tasks []activities.LeadTaskState
	q := activities.LeadTasksPageInput{Account: acct.Name, LeadID: in.LeadID}
	for q.Page = 1; q.Page <= leadTasksMaxPages; q.Page++ {
		var page activities.LeadTasksPage
		if err := workflow.ExecuteActivity(rctx, widgets.WidgetLeadTasks, q).Get(ctx, &page); err != nil {
			return nil, err
		}
		tasks = append(tasks, page.Tasks...)
		if !page.More {
			break
		}
	}
	return leadTaskEntries(tasks, s.Variants), nil
}

// LeadTaskNoticeKind is the kind under which a body PUT to the old C#
// /api/leadtasks is kept in onec_notices by OneCNotice (the old endpoint
// appended it to a file and did nothing else with it).
const LeadTaskNoticeKind = "leadtask"

// NoticeKinds are every kind onec_notices holds: the 1C notices and the
// lead task reports.
func NoticeKinds() []string {
	return append(slices.Clone(OneCNoticeKinds), LeadTaskNoticeKind)
}
