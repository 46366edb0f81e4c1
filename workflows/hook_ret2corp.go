package workflows

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// Ret2Corp hands a retail lead over to the corporate account
// (docs/flows.md#ret2corp, webhook ret2corp): the person is found in the
// corporate account by phone, then e-mail (verified), or created; their
// open corporate sales lead is joined (RET_ID written when empty), else
// the corporate lead is created with the copied fields, the tags by name
// and RET_ID = the retail lead, linked to the person and to the person's
// company (or the retail lead's company, found by INN); the retail lead's
// last comment goes on it and the person's calls are copied to the
// corporate contact; the retail lead ends in the "sent to corporate" stage.
//
// Idempotent: RET_ID marks the corporate lead, and the flow looks for it
// before creating anything; a lead found that way (an earlier delivery, a
// failed run) only gets what it lacks (the comment, the calls, the stage).
// The responsible manager is the person's corporate manager when they are
// in the pool, else the pool's next in turn (docs/flows.md#round-robin, Postgres), taken once
// per retail lead.
//
// amoCRM calls, new person: retail 4 (lead, contact, lead notes, calls) +
// corporate 7-8 (RET_ID search, 1-2 contact searches, 1-2 company
// searches, lead with contact, comment, calls); +1 retail when the lead is
// not in the stage yet.
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
		created, changed, err := run.createCorpLead(ctx, marker, &corp)
		if err != nil {
			return nil, err
		}
		res.Created, res.Changed = created, changed
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

// ret2corpExtras versions Ret2Corp's reuse of the person's open corporate
// lead and its company link (1), and the retail lead's company found in
// the corporate account (2): runs started before replay without them.
const ret2corpExtras = "ret2corp-open-lead-company"

// createCorpLead finds the person in the corporate account (or plans a new
// contact); when the person has an open corporate lead it takes that one
// (reuseOpenLead), else it looks up the person's company, picks the
// responsible manager and creates the marked lead. It writes the lead into
// corp and reports whether this run created it (a lead found by its marker
// after a lost answer was not, nor a reused one) and whether it wrote
// anything.
func (run *ret2corpRun) createCorpLead(ctx workflow.Context, marker activities.Marker, corp *activities.LeadCard) (created, changed bool, err error) {
	r, c, person := run.r, run.c, run.person
	v := workflow.GetVersion(ctx, ret2corpExtras, workflow.DefaultVersion, 2)
	extras := v >= 1
	var contacts []activities.Contact
	ph, email := contactKeys(person)
	if person.ID != 0 {
		if contacts, err = run.f.findPersonHeld(ctx, run.cctx, c.Account, ph, email); err != nil {
			return false, false, err
		}
		run.newContact = len(contacts) == 0
	}
	if extras && len(contacts) > 0 {
		found, marked, err := run.reuseOpenLead(ctx, marker, contacts)
		if err != nil || found.ID != 0 {
			*corp = found
			return false, marked, err
		}
	}
	var company, companyManager int64
	if extras && person.ID != 0 {
		if company, companyManager, err = personCompany(ctx, run.cctx, c.Account, ph, email, contacts); err != nil {
			return false, false, err
		}
	}
	if v >= 2 && company == 0 && run.lead.CompanyID != 0 {
		if company, companyManager, err = run.retailCompany(ctx); err != nil {
			return false, false, err
		}
	}
	var responsible int64
	switch {
	case len(contacts) > 0 && slices.Contains(run.pool, contacts[0].ResponsibleID):
		responsible = contacts[0].ResponsibleID // the person's manager keeps them
	case slices.Contains(run.pool, companyManager):
		responsible = companyManager // else the company's
	default:
		pick := activities.NextManagerInput{Pool: c.Account, Key: "ret2corp:" + marker.Value, Managers: run.pool}
		if err := pgStep(ctx, pg.NextManager, pick).Get(ctx, &responsible); err != nil {
			return false, false, err
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
		CompanyID:     company,
		Marker:        marker,
	}
	if len(contacts) > 0 {
		in.ContactIDs = []int64{contacts[0].ID}
	} else if run.newContact {
		in.NewContact = &activities.NewContact{FirstName: person.Name, Phone: ph, Email: email, ResponsibleID: responsible}
	}
	var made activities.CreatedLead
	if err := workflow.ExecuteActivity(run.cctx, amo.CreateLinkedLead, in).Get(ctx, &made); err != nil {
		return false, false, err
	}
	if err := rememberMarked(ctx, c.Account, marker, made); err != nil {
		return false, false, err
	}
	if person.ID != 0 {
		if err := run.f.rememberPerson(ctx, c.Account, person, contacts, made); err != nil {
			return false, false, err
		}
	}
	corp.ID, corp.ResponsibleID = made.LeadID, responsible
	if made.ContactID != 0 {
		corp.ContactIDs = []int64{made.ContactID}
	}
	return !made.Found, true, nil
}

// reuseOpenLead looks among the found contacts' corporate leads for an
// open one in the sales pipeline (openCorpLead, the PHP flow's rule) and,
// when there is one, takes it instead of creating a lead: RET_ID is
// written on it when empty (so corp2ret finds this retail lead and a
// repeat finds the lead by its marker); a RET_ID naming another retail
// lead is left as it is. The lead keeps its responsible, stage and
// company. found.ID is 0 when there is none; marked says RET_ID was
// written. 1 read + 0–1 update.
func (run *ret2corpRun) reuseOpenLead(ctx workflow.Context, marker activities.Marker, contacts []activities.Contact) (found activities.LeadCard, marked bool, err error) {
	c := run.c
	ids := leadIDs(contacts)
	if len(ids) == 0 {
		return found, false, nil
	}
	var leads []activities.Lead
	if err := workflow.ExecuteActivity(run.cctx, amo.GetLeads, activities.GetLeadsInput{Account: c.Account, IDs: ids}).Get(ctx, &leads); err != nil {
		return found, false, err
	}
	open, ok := openCorpLead(leads, c.Intake.PipelineID)
	if !ok {
		return found, false, nil
	}
	found = activities.LeadCard{Lead: open}
	found.ContactIDs = []int64{holderOf(contacts, open.ID)}
	if strings.TrimSpace(open.Fields[run.retID]) != "" {
		return found, false, nil
	}
	up := activities.PatchLeadInput{Account: c.Account, ID: open.ID, Fields: []activities.FieldValues{textField(run.retID, run.lead.ID)}}
	if err := workflow.ExecuteActivity(run.cctx, amo.PatchLead, up).Get(ctx, nil); err != nil {
		return found, false, err
	}
	return found, true, rememberMarked(ctx, c.Account, marker, activities.CreatedLead{LeadID: open.ID, ContactID: found.ContactIDs[0]})
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

// retailCompany is the corporate company of the retail lead's company,
// for a person no corporate company was found for: read in retail, then
// searched in the corporate account by its INN (by its name when it has
// none), and taken only when the hit really has that INN (or that name);
// the lowest id of several. manager is its responsible. Nothing is
// created: the predecessors never made a corporate company here either.
// 1 retail read + 0–1 corporate search.
func (run *ret2corpRun) retailCompany(ctx workflow.Context) (id, manager int64, err error) {
	var co activities.CompanyCard
	in := activities.ReadInput{Account: run.r.Account, ID: run.lead.CompanyID}
	if err := workflow.ExecuteActivity(run.rctx, amo.ReadCompany, in).Get(ctx, &co); err != nil || co.ID == 0 {
		return 0, 0, err
	}
	inn, name := companyKeys(co, run.r.CompanyFields["inn"])
	q := cmp.Or(inn, name)
	if q == "" {
		return 0, 0, nil
	}
	var hits []activities.CompanyCard
	search := activities.SearchCompaniesInput{Account: run.c.Account, Query: q}
	if err := workflow.ExecuteActivity(run.cctx, amo.SearchCompanies, search).Get(ctx, &hits); err != nil {
		return 0, 0, err
	}
	hit, _ := sameCompany(hits, inn, name, run.c.CompanyFields["inn"])
	return hit.ID, hit.ResponsibleID, nil
}
