package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// SetCourse writes the course code of a retail lead's product into its
// course field (docs/flows.md#setcourse, webhook setcourse). A lead with
// no product gets a reminder note and goes back to the stage it came from
// (from amoCRM's events), unless that stage is forbidden; with no stage
// change known, to the intake. Nothing is written when the code is there.
//
// amoCRM calls: 1 read + 1 product read + 0-1 update; without a product,
// 1 read + 1 notes list + 0-1 notes add + 1 events read + 0-1 update.
func (f *Flows) SetCourse(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.setCourse)
}

func (f *Flows) setCourse(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, x, err := f.hookConfig(ctx, ev.Account)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	acc := n.account(ev.Account)
	course := n.id(acc, "lead_fields", "course")
	if x.CatalogID == 0 || x.SKUField == 0 {
		n.missing = append(n.missing, "accounts."+ev.Account+".catalog_id, catalog_fields.short_name")
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	actx := amoOptions(ctx, acc.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var l activities.AmoRecord
	if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, activities.AmoRef{Account: acc.Account, Entity: "leads", ID: ev.ID}).Get(ctx, &l); err != nil {
		return nil, err
	}
	if l.ID == 0 {
		res.Skipped = "the lead does not exist"
		return res, nil
	}
	if el := productElement(l, x.CatalogID); el != 0 {
		var p activities.AmoRecord
		ref := activities.AmoRef{Account: acc.Account, Entity: "catalog_elements", ID: el, CatalogID: x.CatalogID}
		if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, ref).Get(ctx, &p); err != nil {
			return nil, err
		}
		code := courseCode(p.Fields[x.SKUField])
		switch {
		case p.ID == 0 || code == "":
			res.Skipped = "the product has no course code"
		case l.Fields[course] == code:
			res.Skipped = "the lead has the course code"
		default:
			up := activities.PatchLeadInput{Account: acc.Account, ID: ev.ID, Fields: []activities.FieldValues{textField(course, code)}}
			return hookDone(res, patchHookLead(ctx, actx, up, res))
		}
		return res, nil
	}

	var notes []activities.NoteCard
	in := activities.ListNotesInput{Account: acc.Account, Entity: "leads", EntityID: ev.ID, Types: []string{amocrm.NoteCommon}}
	if err := workflow.ExecuteActivity(actx, amo.ListNotes, in).Get(ctx, &notes); err != nil {
		return nil, err
	}
	if !reminded(notes) {
		add := activities.AddNotesInput{Account: acc.Account, Entity: "leads",
			Notes: []activities.NoteCard{{EntityID: ev.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: noProductNote}}}}
		if err := workflow.ExecuteActivity(actx, amo.AddNotes, add).Get(ctx, nil); err != nil {
			return nil, err
		}
		res.Changed = true
	}
	var ch activities.StageChange
	if err := workflow.ExecuteActivity(actx, amo.LastStageChange, activities.StageChangeInput{Account: acc.Account, LeadID: ev.ID}).Get(ctx, &ch); err != nil {
		return nil, err
	}
	to, ok := revertStage(ch, acc.Intake, x.SetCourse)
	if !ok || (to.PipelineID == l.PipelineID && to.StatusID == l.StatusID) {
		return res, nil
	}
	up := activities.PatchLeadInput{Account: acc.Account, ID: ev.ID, PipelineID: to.PipelineID, StatusID: to.StatusID}
	return hookDone(res, patchHookLead(ctx, actx, up, res))
}

// CapitalizeCourse upper-cases (and trims) a retail lead's course code
// (docs/flows.md#capitalizecourse, webhook capitalizecourse).
//
// amoCRM calls: 1 read + 0-1 update.
func (f *Flows) CapitalizeCourse(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.capitalizeCourse)
}

func (f *Flows) capitalizeCourse(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	acc := n.account(ev.Account)
	course := n.id(acc, "lead_fields", "course")
	if err := n.err(); err != nil {
		return nil, err
	}
	actx := amoOptions(ctx, acc.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)
	l, ok, err := readHookLead(ctx, actx, activities.ReadInput{Account: acc.Account, ID: ev.ID}, res)
	if !ok {
		return hookDone(res, err)
	}
	code := courseCode(l.Fields[course])
	if code == "" || code == l.Fields[course] {
		res.Skipped = "the course code is empty or upper-case"
		return res, nil
	}
	up := activities.PatchLeadInput{Account: acc.Account, ID: ev.ID, Fields: []activities.FieldValues{textField(course, code)}}
	return hookDone(res, patchHookLead(ctx, actx, up, res))
}
