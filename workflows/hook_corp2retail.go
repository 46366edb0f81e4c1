package workflows

import (
	"strconv"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// Corp2Retail copies a corporate lead to the retail account
// (docs/flows.md#corp2retail, webhook corp2retail): the person of its main
// contact is found in retail by phone, then e-mail (verified), or created;
// the retail lead is created in the intake stage with the copied fields,
// the tags by name plus "Сделка из корп. отдела" and corp_id = the
// corporate lead, linked to the person and with the found contact's
// responsible (else the account's default); it gets one note with the
// request type and every comment of the corporate lead and contact, and
// copies of their calls.
//
// Idempotent: corp_id marks the retail lead and is looked for before
// anything is created; a lead found that way only gets the notes it lacks.
//
// amoCRM calls, new person: corporate 3 (lead, contact, notes of each) +1
// with a contact; retail 1 (corp_id search) + 1-2 contact searches + 1
// create + 1-2 notes; a lead found: the notes it lacks (+1 list each).
func (f *Flows) Corp2Retail(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.corp2Retail)
}

func (f *Flows) corp2Retail(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	c, r := n.account(ev.Account), n.account("retail")
	corpID := n.id(r, "lead_fields", "corp_id")
	if r.Intake.PipelineID == 0 {
		n.missing = append(n.missing, "accounts.retail.intake")
	}
	if r.DefaultResponsible == 0 {
		n.missing = append(n.missing, "accounts.retail.default_responsible")
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	cctx, rctx := amoOptions(ctx, c.TaskQueue), amoOptions(ctx, r.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var lead activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: ev.ID, With: []string{"contacts"}}).Get(ctx, &lead); err != nil {
		return nil, err
	}
	if lead.ID == 0 {
		res.Skipped = "the corporate lead does not exist"
		return res, nil
	}
	marker := activities.Marker{FieldID: corpID, Value: strconv.FormatInt(lead.ID, 10)}
	ret, err := findMarkedLead(ctx, rctx, r.Account, marker, 0)
	if err != nil {
		return nil, err
	}

	var person activities.ContactCard
	if len(lead.ContactIDs) > 0 {
		if err := workflow.ExecuteActivity(cctx, amo.ReadContact, activities.ReadInput{Account: c.Account, ID: lead.ContactIDs[0]}).Get(ctx, &person); err != nil {
			return nil, err
		}
	}
	types := []string{amocrm.NoteCommon, amocrm.NoteCallIn, amocrm.NoteCallOut}
	var notes []activities.NoteCard
	if err := workflow.ExecuteActivity(cctx, amo.ListNotes, activities.ListNotesInput{Account: c.Account, Entity: "leads", EntityID: lead.ID, Types: types}).Get(ctx, &notes); err != nil {
		return nil, err
	}
	if person.ID != 0 {
		var more []activities.NoteCard
		if err := workflow.ExecuteActivity(cctx, amo.ListNotes, activities.ListNotesInput{Account: c.Account, Entity: "contacts", EntityID: person.ID, Types: types}).Get(ctx, &more); err != nil {
			return nil, err
		}
		notes = append(more, notes...)
	}

	if ret.ID == 0 {
		var contacts []activities.Contact
		ph, email := contactKeys(person)
		if ph != "" || email != "" {
			if contacts, err = f.findPersonHeld(ctx, rctx, r.Account, ph, email); err != nil {
				return nil, err
			}
		}
		responsible := r.DefaultResponsible
		if len(contacts) > 0 && contacts[0].ResponsibleID != 0 {
			responsible = contacts[0].ResponsibleID // the person's retail manager keeps them
		}
		in := activities.NewLeadInput{
			Account:       r.Account,
			Name:          lead.Name,
			PipelineID:    r.Intake.PipelineID,
			StatusID:      r.Intake.StatusID,
			ResponsibleID: responsible,
			Fields:        retailFields(lead, c, r, corpID),
			Tags:          retailTags(lead.Tags, r),
			Marker:        marker,
		}
		switch {
		case len(contacts) > 0:
			in.ContactIDs = []int64{contacts[0].ID}
		case ph != "" || email != "":
			in.NewContact = &activities.NewContact{FirstName: person.Name, Phone: ph, Email: email, ResponsibleID: responsible}
		}
		var created activities.CreatedLead
		if err := workflow.ExecuteActivity(rctx, amo.CreateLinkedLead, in).Get(ctx, &created); err != nil {
			return nil, err
		}
		if err := rememberMarked(ctx, r.Account, marker, created); err != nil {
			return nil, err
		}
		if person.ID != 0 && (ph != "" || email != "") {
			if err := f.rememberPerson(ctx, r.Account, person, contacts, created); err != nil {
				return nil, err
			}
		}
		ret.ID, ret.ResponsibleID = created.LeadID, responsible
		res.Created, res.Changed = !created.Found, true
	}
	res.TargetLeadID = ret.ID

	// The comment, then the calls, on the retail lead: on what this run
	// created nothing can be there yet; on what it found, only what is
	// missing is added.
	var want []activities.NoteCard
	if text := corp2retailComment(lead.Fields[c.LeadFields["type"]], notes); text != "" {
		want = append(want, activities.NoteCard{EntityID: ret.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: text}})
	}
	want = append(want, callCopies(notes, ret.ID, ret.ResponsibleID)...)
	if len(want) > 0 {
		changed, err := addMissingNotes(rctx, r.Account, "leads", ret.ID, types, want, res.Created)
		if err != nil {
			return nil, err
		}
		res.Changed = res.Changed || changed
	}
	if !res.Changed {
		res.Skipped = "already copied to retail lead " + strconv.FormatInt(ret.ID, 10)
	}
	return res, nil
}

// Corp2RetailSuccess closes the corporate lead as won when its retail copy
// is won (docs/flows.md#corp2retail, webhook corp2retail_success).
//
// amoCRM calls: retail 1 + corporate 1-2.
func (f *Flows) Corp2RetailSuccess(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, func(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
		return f.closeCorpLead(ctx, ev, statusWon)
	})
}

// Corp2RetailFail closes the corporate lead as lost when its retail copy
// is lost (webhook corp2retail_fail).
//
// amoCRM calls: retail 1 + corporate 1-2.
func (f *Flows) Corp2RetailFail(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, func(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
		return f.closeCorpLead(ctx, ev, statusLost)
	})
}

// closeCorpLead is Corp2RetailSuccess and Corp2RetailFail: the retail lead
// must be in status (the hook may come late, after a reopen) and name its
// corporate lead in corp_id.
func (f *Flows) closeCorpLead(ctx workflow.Context, ev HookEvent, status int64) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r, c := n.account(ev.Account), n.account("corp")
	corpID := n.id(r, "lead_fields", "corp_id")
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx, cctx := amoOptions(ctx, r.TaskQueue), amoOptions(ctx, c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var ret activities.LeadCard
	if err := workflow.ExecuteActivity(rctx, amo.ReadLead, activities.ReadInput{Account: r.Account, ID: ev.ID}).Get(ctx, &ret); err != nil {
		return nil, err
	}
	cid := fieldInt(ret, corpID)
	switch {
	case ret.ID == 0:
		res.Skipped = "the retail lead does not exist"
	case ret.StatusID != status:
		res.Skipped = "the retail lead is not in status " + itoa(status) + " (now " + itoa(ret.StatusID) + ")"
	case cid == 0:
		res.Skipped = "the retail lead has no corp_id"
	}
	if res.Skipped != "" {
		return res, nil
	}
	res.TargetLeadID = cid
	var corp activities.LeadCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadLead, activities.ReadInput{Account: c.Account, ID: cid}).Get(ctx, &corp); err != nil {
		return nil, err
	}
	if corp.ID == 0 {
		res.Skipped = "the corporate lead " + itoa(cid) + " does not exist"
		return res, nil
	}
	up, ok := corpClosePlan(corp, status)
	if !ok {
		res.Skipped = "the corporate lead is already in status " + itoa(status)
		return res, nil
	}
	up.Account = c.Account
	return hookDone(res, patchHookLead(ctx, cctx, up, res))
}
