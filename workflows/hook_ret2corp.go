package workflows

import (
	"slices"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// Ret2Corp hands a retail lead over to the corporate account
// (docs/flows.md#ret2corp, webhook ret2corp): the person is found in the
// corporate account by phone, then e-mail (verified), or created; the
// corporate lead is created with the copied fields, the tags by name and
// RET_ID = the retail lead, linked to the person; the retail lead's last
// comment goes on it and the person's calls are copied to the corporate
// contact; the retail lead ends in the "sent to corporate" stage.
//
// Idempotent: RET_ID marks the corporate lead, and the flow looks for it
// before creating anything; a lead found that way (an earlier delivery, a
// failed run) only gets what it lacks (the comment, the calls, the stage).
// The responsible manager is the person's corporate manager when they are
// in the pool, else the pool's next in turn (docs/flows.md#round-robin, Postgres), taken once
// per retail lead.
//
// amoCRM calls, new person: retail 4 (lead, contact, lead notes, calls) +
// corporate 5-6 (RET_ID search, 1-2 contact searches, lead with contact,
// comment, calls); +1 retail when the lead is not in the stage yet.
func (f *Flows) Ret2Corp(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.ret2Corp)
}

// ret2Corp is Ret2Corp, done holding the lease on the event's entity.
func (f *Flows) ret2Corp(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r, c := n.account("retail"), n.account("corp")
	sendToCorp := n.id(r, "statuses", "send_to_corp")
	retID := n.id(c, "lead_fields", "ret_id")
	pool := n.pool(c)
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx, cctx := amoOptions(ctx, r.TaskQueue), amoOptions(ctx, c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	var lead activities.LeadCard
	if err := workflow.ExecuteActivity(rctx, amo.ReadLead, activities.ReadInput{Account: r.Account, ID: ev.ID, With: []string{"contacts"}}).Get(ctx, &lead); err != nil {
		return nil, err
	}
	if lead.ID == 0 {
		res.Skipped = "the retail lead does not exist"
		return res, nil
	}
	marker := activities.Marker{FieldID: retID, Value: strconv.FormatInt(lead.ID, 10)}
	corp, err := findMarkedLead(ctx, cctx, c.Account, marker, 0)
	if err != nil {
		return nil, err
	}

	var person activities.ContactCard
	if len(lead.ContactIDs) > 0 {
		if err := workflow.ExecuteActivity(rctx, amo.ReadContact, activities.ReadInput{Account: r.Account, ID: lead.ContactIDs[0]}).Get(ctx, &person); err != nil {
			return nil, err
		}
	}
	var leadNotes, calls []activities.NoteCard
	if err := workflow.ExecuteActivity(rctx, amo.ListNotes, activities.ListNotesInput{Account: r.Account, Entity: "leads", EntityID: lead.ID, Types: []string{amocrm.NoteCommon}}).Get(ctx, &leadNotes); err != nil {
		return nil, err
	}
	if person.ID != 0 {
		in := activities.ListNotesInput{Account: r.Account, Entity: "contacts", EntityID: person.ID, Types: []string{amocrm.NoteCallIn, amocrm.NoteCallOut}}
		if err := workflow.ExecuteActivity(rctx, amo.ListNotes, in).Get(ctx, &calls); err != nil {
			return nil, err
		}
	}

	newContact := false
	var responsible int64
	if corp.ID == 0 {
		var contacts []activities.Contact
		if person.ID != 0 {
			ph, email := contactKeys(person)
			if contacts, err = f.findPersonHeld(ctx, cctx, c.Account, ph, email); err != nil {
				return nil, err
			}
			newContact = len(contacts) == 0
		}
		if len(contacts) > 0 && slices.Contains(pool, contacts[0].ResponsibleID) {
			responsible = contacts[0].ResponsibleID // the person's manager keeps them
		} else {
			pick := activities.NextManagerInput{Pool: c.Account, Key: "ret2corp:" + marker.Value, Managers: pool}
			if err := workflow.ExecuteActivity(localOptions(ctx), pg.NextManager, pick).Get(ctx, &responsible); err != nil {
				return nil, err
			}
		}
		in := activities.NewLeadInput{
			Account:       c.Account,
			Name:          lead.Name,
			PipelineID:    c.Intake.PipelineID,
			StatusID:      c.Intake.StatusID,
			ResponsibleID: responsible,
			Price:         lead.Price,
			Fields:        corpFields(lead, r, c, retID),
			Tags:          corpTags(lead.Tags, c),
			Marker:        marker,
		}
		if len(contacts) > 0 {
			in.ContactIDs = []int64{contacts[0].ID}
		} else if newContact {
			ph, email := contactKeys(person)
			in.NewContact = &activities.NewContact{FirstName: person.Name, Phone: ph, Email: email, ResponsibleID: responsible}
		}
		var created activities.CreatedLead
		if err := workflow.ExecuteActivity(cctx, amo.CreateLinkedLead, in).Get(ctx, &created); err != nil {
			return nil, err
		}
		if err := rememberMarked(ctx, c.Account, marker, created); err != nil {
			return nil, err
		}
		if person.ID != 0 {
			if err := f.rememberPerson(ctx, c.Account, person, contacts, created); err != nil {
				return nil, err
			}
		}
		corp.ID, corp.ResponsibleID = created.LeadID, responsible
		if created.ContactID != 0 {
			corp.ContactIDs = []int64{created.ContactID}
		}
		res.Created, res.Changed = !created.Found, true
	}
	res.TargetLeadID = corp.ID
	var corpContact int64
	if len(corp.ContactIDs) > 0 {
		corpContact = corp.ContactIDs[0]
	}
	res.TargetContactID = corpContact

	// The last comment, then the calls: on what this run created nothing
	// can be there yet; on what it found, only what is missing is added.
	if text := lastCommonText(leadNotes); text != "" {
		want := []activities.NoteCard{{EntityID: corp.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: text}}}
		changed, err := addMissingNotes(cctx, c.Account, "leads", corp.ID, []string{amocrm.NoteCommon}, want, res.Created)
		if err != nil {
			return nil, err
		}
		res.Changed = res.Changed || changed
	}
	if copies := callCopies(calls, corpContact, corp.ResponsibleID); corpContact != 0 && len(copies) > 0 {
		fresh := res.Created && newContact
		changed, err := addMissingNotes(cctx, c.Account, "contacts", corpContact, []string{amocrm.NoteCallIn, amocrm.NoteCallOut}, copies, fresh)
		if err != nil {
			return nil, err
		}
		res.Changed = res.Changed || changed
	}

	if lead.StatusID != sendToCorp {
		up := activities.PatchLeadInput{Account: r.Account, ID: lead.ID, PipelineID: lead.PipelineID, StatusID: sendToCorp}
		if err := workflow.ExecuteActivity(rctx, amo.PatchLead, up).Get(ctx, nil); err != nil {
			return nil, err
		}
		res.Changed = true
	}
	if !res.Changed {
		res.Skipped = "already handed over to corporate lead " + strconv.FormatInt(corp.ID, 10)
	}
	workflow.GetLogger(ctx).Info("ret2corp done", "lead_id", lead.ID, "corp_lead_id", corp.ID, "created", res.Created)
	return res, nil
}

// addMissingNotes adds want to an entity, in batches, skipping the notes it
// already has unless fresh (the entity was created by this run, so it has
// none and the read is saved). It reports whether it added any.
func addMissingNotes(ctx workflow.Context, account, entity string, id int64, types []string, want []activities.NoteCard, fresh bool) (bool, error) {
	if !fresh {
		var have []activities.NoteCard
		in := activities.ListNotesInput{Account: account, Entity: entity, EntityID: id, Types: types}
		if err := workflow.ExecuteActivity(ctx, amo.ListNotes, in).Get(ctx, &have); err != nil {
			return false, err
		}
		want = missingNotes(want, have)
	}
	for batch := range slices.Chunk(want, 50) {
		if err := workflow.ExecuteActivity(ctx, amo.AddNotes, activities.AddNotesInput{Account: account, Entity: entity, Notes: batch}).Get(ctx, nil); err != nil {
			return false, err
		}
	}
	return len(want) > 0, nil
}
