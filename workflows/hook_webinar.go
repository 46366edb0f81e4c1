package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// WebinarAdmission asks webinar.ru whether a retail lead's student attended
// their webinar session (docs/flows.md#webinar_admission): a lead in the
// free or the paid webinar pipeline moves to its "visited" or "not
// visited" stage, and every lead gets the note saying so, in Moscow time.
// A lead at the stage already is not moved; a note it has already is not
// added again.
//
// amoCRM calls: 1 read + 0-1 update + 1 note list + 0-1 note; webinar.ru 1
// per 500 participants.
func (f *Flows) WebinarAdmission(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.webinarAdmission)
}

func (f *Flows) webinarAdmission(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	var configured bool
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return f.Config.Webinar.BaseURL != "" }).Get(&configured); err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account(ev.Account)
	dateID := n.id(r, "lead_fields", "webinar_date")
	sessionID := n.id(r, "lead_fields", "webinar_session")
	partID := n.id(r, "lead_fields", "webinar_participation")
	st := webinarStages{
		FreePipeline: n.id(r, "pipelines", "free_webinars"), FreeVisited: n.id(r, "statuses", "free_webinar_visited"), FreeMissed: n.id(r, "statuses", "free_webinar_missed"),
		PaidPipeline: n.id(r, "pipelines", "paid_webinars"), PaidVisited: n.id(r, "statuses", "paid_webinar_visited"), PaidMissed: n.id(r, "statuses", "paid_webinar_missed"),
	}
	if !configured {
		n.missing = append(n.missing, "webinar.base_url")
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	lead, ok, err := readHookLead(ctx, rctx, activities.ReadInput{Account: r.Account, ID: ev.ID}, res)
	if !ok {
		return hookDone(res, err)
	}
	session, part := fieldInt(lead, sessionID), fieldInt(lead, partID)
	if session == 0 || part == 0 {
		res.Skipped = "the lead has no webinar session or participation"
		return res, nil
	}
	var att activities.Attendance
	in := activities.AttendanceInput{Session: session, Participation: part}
	if err := workflow.ExecuteActivity(localOptions(ctx), webinarService.CheckAttendance, in).Get(ctx, &att); err != nil {
		return nil, err
	}
	if to := webinarStatus(lead.Lead, st, att.Visited); to != 0 {
		up := activities.PatchLeadInput{Account: r.Account, ID: lead.ID, PipelineID: lead.PipelineID, StatusID: to}
		if err := patchHookLead(ctx, rctx, up, res); err != nil {
			return nil, err
		}
	}
	note := activities.NoteCard{EntityID: lead.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: webinarNote(att.Visited, fieldInt(lead, dateID))}}
	added, err := addMissingNotes(rctx, r.Account, "leads", lead.ID, []string{amocrm.NoteCommon}, []activities.NoteCard{note}, false)
	if err != nil {
		return nil, err
	}
	res.Changed = res.Changed || added
	if !res.Changed {
		res.Skipped = "the lead is noted and at its stage already"
	}
	return res, nil
}
