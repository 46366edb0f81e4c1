package workflows

import (
	"strconv"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// Corp2Agr sends a corporate lead to the contract department
// (docs/flows.md#corp2agr, webhook corp2agr): a lead in the contract
// pipeline, with the source's name, price, fields and tags, linked to its
// contacts and company (the old code left it unlinked), ID_LEAD_RET = the
// source and CORP_MAN = the source's manager; a note naming that manager
// and copies of the source's comments; then LEAD_DOG = the new lead on the
// source.
//
// Idempotent: LEAD_DOG is written last, so a source that has it is done
// and skipped; otherwise a contract lead carrying the source's id in
// ID_LEAD_RET (an interrupted run) is completed instead of made again.
//
// amoCRM calls, first run: 1 read + 1 ID_LEAD_RET search + 1 user + 1
// create + 1 notes read + 1 notes batch + 1 update = 7.
func (f *Flows) Corp2Agr(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.corp2Agr)
}

// corp2Agr is Corp2Agr, done holding the lease on the event's entity.
func (f *Flows) corp2Agr(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	c := n.account("corp")
	leadDog := n.id(c, "lead_fields", "lead_dog")
	idLeadRet := n.id(c, "lead_fields", "id_lead_ret")
	corpMan := n.id(c, "lead_fields", "corp_man")
	pipeline := n.id(c, "pipelines", "contracts")
	status := n.id(c, "statuses", "contracts_new")
	owner := n.id(c, "users", "contracts_responsible")
	if err := n.err(); err != nil {
		return nil, err
	}
	cctx := amoOptions(ctx, c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var src activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: ev.ID, With: []string{"contacts"}}).Get(ctx, &src); err != nil {
		return nil, err
	}
	if src.ID == 0 {
		res.Skipped = "the corporate lead does not exist"
		return res, nil
	}
	if done := fieldInt(src, leadDog); done != 0 {
		res.TargetLeadID = done
		res.Skipped = "already sent to the contract department (LEAD_DOG " + itoa(done) + ")"
		return res, nil
	}
	marker := activities.Marker{FieldID: idLeadRet, Value: strconv.FormatInt(src.ID, 10)}
	agr, err := findMarkedLead(ctx, cctx, c.Account, marker, pipeline)
	if err != nil {
		return nil, err
	}
	var manager string
	if src.ResponsibleID != 0 {
		if err := workflow.ExecuteActivity(cctx, amo.UserName, activities.UserInput{Account: c.Account, ID: src.ResponsibleID}).Get(ctx, &manager); err != nil {
			return nil, err
		}
	}
	if agr.ID == 0 {
		skip := []int64{leadDog, c.LeadFields["ret_id"]}
		in := activities.NewLeadInput{
			Account:       c.Account,
			Name:          src.Name,
			PipelineID:    pipeline,
			StatusID:      status,
			ResponsibleID: owner,
			Price:         src.Price,
			Fields:        agrFields(src, skip, idLeadRet, corpMan, manager),
			Tags:          src.Tags,
			ContactIDs:    src.ContactIDs,
			CompanyID:     src.CompanyID,
			Marker:        marker,
		}
		var created activities.CreatedLead
		if err := workflow.ExecuteActivity(cctx, amo.CreateLinkedLead, in).Get(ctx, &created); err != nil {
			return nil, err
		}
		if err := rememberMarked(ctx, c.Account, marker, created); err != nil {
			return nil, err
		}
		agr.ID = created.LeadID
		res.Created = !created.Found
	}
	res.TargetLeadID = agr.ID

	var srcNotes []activities.NoteCard
	if err := workflow.ExecuteActivity(cctx, amo.ListNotes, activities.ListNotesInput{Account: c.Account, Entity: "leads", EntityID: src.ID, Types: []string{amocrm.NoteCommon}}).Get(ctx, &srcNotes); err != nil {
		return nil, err
	}
	var want []activities.NoteCard
	if manager != "" {
		want = append(want, activities.NoteCard{EntityID: agr.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: managerNoteText(manager)}})
	}
	want = append(want, commonCopies(srcNotes, agr.ID)...)
	if len(want) > 0 {
		if _, err := addMissingNotes(cctx, c.Account, "leads", agr.ID, []string{amocrm.NoteCommon}, want, res.Created); err != nil {
			return nil, err
		}
	}

	up := activities.PatchLeadInput{Account: c.Account, ID: src.ID, Fields: []activities.FieldValues{textField(leadDog, agr.ID)}}
	return hookDone(res, patchHookLead(ctx, cctx, up, res))
}
