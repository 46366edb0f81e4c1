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

// ret2corpRun is one run of Ret2Corp: its settings and what its steps
// learn, in the order they learn it.
type ret2corpRun struct {
	f          *Flows
	r, c       amoSettings // the retail and corporate accounts
	sendToCorp int64       // the retail stage "sent to corporate"
	retID      int64       // the corporate lead field holding the retail lead id
	pool       []int64     // the corporate managers in turn
	rctx, cctx workflow.Context

	lead            activities.LeadCard
	person          activities.ContactCard // the retail lead's main contact, if any
	leadNotes, call []activities.NoteCard
	newContact      bool // the person was created in the corporate account by this run
}

// ret2Corp is Ret2Corp, done holding the lease on the event's entity, in
// named steps: read the retail side, find or create the corporate lead,
// copy the comment and the calls, move the retail lead on.
func (f *Flows) ret2Corp(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	run := &ret2corpRun{f: f, r: n.account("retail"), c: n.account("corp")}
	run.sendToCorp = n.id(run.r, "statuses", "send_to_corp")
	run.retID = n.id(run.c, "lead_fields", "ret_id")
	run.pool = n.pool(run.c)
	if err := n.err(); err != nil {
		return nil, err
	}
	run.rctx, run.cctx = amoOptions(ctx, run.r.TaskQueue), amoOptions(ctx, run.c.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	if err := run.readRetailLead(ctx, ev.ID); err != nil {
		return nil, err
	}
	if run.lead.ID == 0 {
		res.Skipped = "the retail lead does not exist"
		return res, nil
	}
	marker := activities.Marker{FieldID: run.retID, Value: strconv.FormatInt(run.lead.ID, 10)}
	corp, err := findMarkedLead(ctx, run.cctx, run.c.Account, marker, 0)
	if err != nil {
		return nil, err
	}
	if err := run.readRetailPerson(ctx); err != nil {
		return nil, err
	}
	if corp.ID == 0 {
		created, err := run.createCorpLead(ctx, marker, &corp)
		if err != nil {
			return nil, err
		}
		res.Created, res.Changed = created, true
	}
	res.TargetLeadID = corp.ID
	var corpContact int64
	if len(corp.ContactIDs) > 0 {
		corpContact = corp.ContactIDs[0]
	}
	res.TargetContactID = corpContact

	changed, err := run.copyCommentAndCalls(ctx, corp, corpContact, res.Created)
	if err != nil {
		return nil, err
	}
	res.Changed = res.Changed || changed
	if moved, err := run.moveToSentStage(ctx); err != nil {
		return nil, err
	} else if moved {
		res.Changed = true
	}
	if !res.Changed {
		res.Skipped = "already handed over to corporate lead " + strconv.FormatInt(corp.ID, 10)
	}
	workflow.GetLogger(ctx).Info("ret2corp done", "lead_id", run.lead.ID, "corp_lead_id", corp.ID, "created", res.Created)
	return res, nil
}

// readRetailLead reads the retail lead with its contacts (ID 0: gone).
func (run *ret2corpRun) readRetailLead(ctx workflow.Context, id int64) error {
	in := activities.ReadInput{Account: run.r.Account, ID: id, With: []string{"contacts"}}
	return workflow.ExecuteActivity(run.rctx, amo.ReadLead, in).Get(ctx, &run.lead)
}

// readRetailPerson reads the lead's main contact, the lead's comments and
// the contact's calls: what goes over to the corporate account.
func (run *ret2corpRun) readRetailPerson(ctx workflow.Context) error {
	r := run.r
	if len(run.lead.ContactIDs) > 0 {
		if err := workflow.ExecuteActivity(run.rctx, amo.ReadContact, activities.ReadInput{Account: r.Account, ID: run.lead.ContactIDs[0]}).Get(ctx, &run.person); err != nil {
			return err
		}
	}
	if err := workflow.ExecuteActivity(run.rctx, amo.ListNotes, activities.ListNotesInput{Account: r.Account, Entity: "leads", EntityID: run.lead.ID, Types: []string{amocrm.NoteCommon}}).Get(ctx, &run.leadNotes); err != nil {
		return err
	}
	if run.person.ID != 0 {
		in := activities.ListNotesInput{Account: r.Account, Entity: "contacts", EntityID: run.person.ID, Types: []string{amocrm.NoteCallIn, amocrm.NoteCallOut}}
		if err := workflow.ExecuteActivity(run.rctx, amo.ListNotes, in).Get(ctx, &run.call); err != nil {
			return err
		}
	}
	return nil
}

// createCorpLead finds the person in the corporate account (or plans a new
// contact), picks the responsible manager and creates the marked lead,
// which it writes into corp. It reports whether this run created it (a
// lead found by its marker after a lost answer was not).
func (run *ret2corpRun) createCorpLead(ctx workflow.Context, marker activities.Marker, corp *activities.LeadCard) (bool, error) {
	r, c, person := run.r, run.c, run.person
	var contacts []activities.Contact
	if person.ID != 0 {
		ph, email := contactKeys(person)
		var err error
		if contacts, err = run.f.findPersonHeld(ctx, run.cctx, c.Account, ph, email); err != nil {
			return false, err
		}
		run.newContact = len(contacts) == 0
	}
	var responsible int64
	if len(contacts) > 0 && slices.Contains(run.pool, contacts[0].ResponsibleID) {
		responsible = contacts[0].ResponsibleID // the person's manager keeps them
	} else {
		pick := activities.NextManagerInput{Pool: c.Account, Key: "ret2corp:" + marker.Value, Managers: run.pool}
		if err := pgStep(ctx, pg.NextManager, pick).Get(ctx, &responsible); err != nil {
			return false, err
		}
	}
	lead := run.lead
	in := activities.NewLeadInput{
		Account:       c.Account,
		Name:          lead.Name,
		PipelineID:    c.Intake.PipelineID,
		StatusID:      c.Intake.StatusID,
		ResponsibleID: responsible,
		Price:         lead.Price,
		Fields:        corpFields(lead, r, c, run.retID),
		Tags:          corpTags(lead.Tags, c),
		Marker:        marker,
	}
	if len(contacts) > 0 {
		in.ContactIDs = []int64{contacts[0].ID}
	} else if run.newContact {
		ph, email := contactKeys(person)
		in.NewContact = &activities.NewContact{FirstName: person.Name, Phone: ph, Email: email, ResponsibleID: responsible}
	}
	var created activities.CreatedLead
	if err := workflow.ExecuteActivity(run.cctx, amo.CreateLinkedLead, in).Get(ctx, &created); err != nil {
		return false, err
	}
	if err := rememberMarked(ctx, c.Account, marker, created); err != nil {
		return false, err
	}
	if person.ID != 0 {
		if err := run.f.rememberPerson(ctx, c.Account, person, contacts, created); err != nil {
			return false, err
		}
	}
	corp.ID, corp.ResponsibleID = created.LeadID, responsible
	if created.ContactID != 0 {
		corp.ContactIDs = []int64{created.ContactID}
	}
	return !created.Found, nil
}

// copyCommentAndCalls puts the retail lead's last comment on the corporate
// lead and the person's calls on the corporate contact: on what this run
// created nothing can be there yet; on what it found, only what is missing
// is added. It reports whether it added any.
func (run *ret2corpRun) copyCommentAndCalls(ctx workflow.Context, corp activities.LeadCard, corpContact int64, created bool) (bool, error) {
	c, changed := run.c, false
	if text := lastCommonText(run.leadNotes); text != "" {
		want := []activities.NoteCard{{EntityID: corp.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: text}}}
		added, err := addMissingNotes(run.cctx, c.Account, "leads", corp.ID, []string{amocrm.NoteCommon}, want, created)
		if err != nil {
			return false, err
		}
		changed = changed || added
	}
	if copies := callCopies(run.call, corpContact, corp.ResponsibleID); corpContact != 0 && len(copies) > 0 {
		fresh := created && run.newContact
		added, err := addMissingNotes(run.cctx, c.Account, "contacts", corpContact, []string{amocrm.NoteCallIn, amocrm.NoteCallOut}, copies, fresh)
		if err != nil {
			return false, err
		}
		changed = changed || added
	}
	return changed, nil
}

// moveToSentStage moves the retail lead to "sent to corporate" unless it
// is there; it reports whether it moved it.
func (run *ret2corpRun) moveToSentStage(ctx workflow.Context) (bool, error) {
	if run.lead.StatusID == run.sendToCorp {
		return false, nil
	}
	up := activities.PatchLeadInput{Account: run.r.Account, ID: run.lead.ID, PipelineID: run.lead.PipelineID, StatusID: run.sendToCorp}
	return true, workflow.ExecuteActivity(run.rctx, amo.PatchLead, up).Get(ctx, nil)
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
