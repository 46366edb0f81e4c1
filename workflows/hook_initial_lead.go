package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

// InitialLeadResult is what InitialLead reports.
type InitialLeadResult struct {
	HookResult
	// Path is phases (a processed pipeline) or social (a social-network pipeline).
	Path string `json:"path,omitempty"`
	// Waited is true when the lead waited for its call result; Polls is
	// how many times it was read again meanwhile; Answered says the
	// result was filled before the polls ran out.
	Waited   bool `json:"waited,omitempty"`
	Polls    int  `json:"polls,omitempty"`
	Answered bool `json:"answered,omitempty"`
}

// hookExtras is the part of an account's configuration the hook_* flows
// use beyond hookSettings, recorded in the history like it.
type hookExtras struct {
	Tables    config.InitialLead
	Instagram int64 // contact field
	Wait      config.CallWait
	// CatalogID and SKUField find a product's course code (setcourse).
	CatalogID int64
	SKUField  int64
	SetCourse config.SetCourse
	Unsorted  config.UnsortedAccept
}

// hookConfig reads a hook_* flow's configuration: hookSettings, then the
// account's hookExtras (two SideEffects, in that order).
func (f *Flows) hookConfig(ctx workflow.Context, account string) (hookSettings, hookExtras, error) {
	var x hookExtras
	s, err := f.hookSettings(ctx)
	if err != nil {
		return s, x, err
	}
	enc := workflow.SideEffect(ctx, func(workflow.Context) any {
		acct, ok := f.Config.Accounts[account]
		if !ok || acct == nil {
			return hookExtras{}
		}
		return hookExtras{Tables: acct.InitialLead, Instagram: acct.ContactFields["instagram"], Wait: acct.InitialLead.CallWait.WithDefaults(),
			CatalogID: acct.CatalogID, SKUField: acct.CatalogFields["short_name"], SetCourse: acct.SetCourse, Unsorted: acct.UnsortedAccept}
	})
	err = enc.Get(&x)
	return s, x, err
}

// InitialLead processes a new lead once (docs/flows.md#initial_lead,
// webhook initial_lead): in a processed pipeline, phase 1 (the form's note,
// site and site tag, JivoSite, promotions, long values cut, renamed);
// then, for a telephony lead, a wait for the manager's call result (a
// durable timer loop: no worker is held, a restart resumes it); then phase
// 2 (the channel: WhatsApp, call tracking, Instagram, VK, YouTube, direct
// call or hand-made; the call result's default; the stage moves). A lead
// of a social-network pipeline is marked from its row and moved to the
// intake. Service notes say what was done; they are also the markers: a
// lead whose final note is there is left alone, and notes already present
// are not added again.
//
// amoCRM calls, phases: 1 read + 1 notes list + 1-2 updates + 1 notes add;
// with a wait, + 1 notes add + 1 read per poll + 1 read. Social: 1 read + 1
// notes list + 2 updates + 1 notes add, + 1 contact read, 1 notes list and
// 1 notes add for an Instagram profile.
func (f *Flows) InitialLead(ctx workflow.Context, ev HookEvent) (*InitialLeadResult, error) {
	s, is, err := f.hookConfig(ctx, ev.Account)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	acc := n.account(ev.Account)
	ids := initialIDs{
		FormID: n.id(acc, "lead_fields", "form_id"),
		Page:   n.id(acc, "lead_fields", "page"),
		Site:   n.id(acc, "lead_fields", "site"),
		Type:   n.id(acc, "lead_fields", "type"),
		City:   n.id(acc, "lead_fields", "city"),
		Source: n.id(acc, "lead_fields", "source"),
		Result: n.id(acc, "lead_fields", "result"),
		// Optional: without them the call-tracking marker is not copied
		// and social leads get no referer/form-text notes.
		CallMarker: acc.LeadFields["calltracking_marker"],
		Referer:    acc.LeadFields["referer"],
		FormText:   acc.LeadFields["form_text"],
		Instagram:  is.Instagram,
	}
	st := initialStages{
		Intake: acc.Intake,
		InWork: acc.Statuses["in_work"],
		Trial:  config.Stage{PipelineID: acc.Pipelines["trial_lesson"], StatusID: acc.Statuses["trial_lesson_booked"]},
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	r := &initialRun{f: f, ev: ev, acc: acc, ids: ids, is: is, st: st, actx: amoOptions(ctx, acc.TaskQueue),
		res: &InitialLeadResult{HookResult: HookResult{LeadID: ev.ID}}}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	keys := leaseKeys(ev.Account, leadKey(ev.ID))
	var wait *activities.LeadCard // the lead after phase 1, when it waits for its call
	if err := withLeases(ctx, keys, func() (err error) {
		wait, err = r.first(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	if wait == nil {
		return r.res, nil
	}
	last, err := r.waitForCall(ctx, *wait)
	if err != nil || last == nil {
		return r.res, err
	}
	if err := withLeases(ctx, keys, func() error {
		l, err := r.read(ctx, nil)
		if err != nil || l.ID == 0 {
			return err
		}
		return r.second(ctx, l, nil)
	}); err != nil {
		return nil, err
	}
	return r.res, nil
}

// initialRun is one InitialLead run's state.
type initialRun struct {
	f    *Flows
	ev   HookEvent
	acc  amoSettings
	ids  initialIDs
	is   hookExtras
	st   initialStages
	actx workflow.Context
	res  *InitialLeadResult
	// have are the lead's notes before this run: the markers.
	have []activities.NoteCard
}

// read reads the lead; a missing lead ends the run as skipped.
func (r *initialRun) read(ctx workflow.Context, with []string) (activities.LeadCard, error) {
	l, _, err := readHookLead(ctx, r.actx, activities.ReadInput{Account: r.acc.Account, ID: r.ev.ID, With: with}, &r.res.HookResult)
	return l, err
}

// first reads the lead and does phase 1 (and, when the lead does not wait,
// phase 2) or the social marking. It returns the lead as phase 1 left it
// when it must wait for its call.
func (r *initialRun) first(ctx workflow.Context) (*activities.LeadCard, error) {
	l, err := r.read(ctx, []string{"contacts"})
	if err != nil || l.ID == 0 {
		return nil, err
	}
	t := r.is.Tables
	row, isSocial := socialRow(t, l.PipelineID)
	if !slices.Contains(t.Pipelines, l.PipelineID) && !isSocial {
		r.res.Skipped = fmt.Sprintf("pipeline %d is not processed", l.PipelineID)
		return nil, nil
	}
	in := activities.ListNotesInput{Account: r.acc.Account, Entity: "leads", EntityID: l.ID, Types: []string{amocrm.NoteCommon, amocrm.NoteServiceMessage}}
	if err := workflow.ExecuteActivity(r.actx, amo.ListNotes, in).Get(ctx, &r.have); err != nil {
		return nil, err
	}
	if isSocial {
		r.res.Path = "social"
		return nil, r.social(ctx, l, row)
	}
	r.res.Path = "phases"
	if r.hasService(phase2Done) {
		r.res.Skipped = "the lead was processed before"
		return nil, nil
	}
	var notes []activities.NoteCard
	after := l
	if !r.hasService(phase1Done) {
		w := phase1(l, r.ids, t, r.acc, r.f.leadName(r.acc))
		if err := r.patch(ctx, w.Patch); err != nil {
			return nil, err
		}
		after = applied(l, w.Patch)
		notes = r.notes(w)
	}
	if waitsForCall(l.Name, after, r.ids) && !callAnswered(after, r.ids) {
		// The managers see phase 1 done while the call goes on.
		if err := r.addNotes(ctx, "leads", notes); err != nil {
			return nil, err
		}
		return &after, nil
	}
	return nil, r.second(ctx, after, notes)
}

// second does phase 2 on the lead and adds the notes still to add with its own.
func (r *initialRun) second(ctx workflow.Context, l activities.LeadCard, notes []activities.NoteCard) error {
	w := phase2(l, r.ids, r.is.Tables, r.acc, r.st)
	if len(w.Patch.Fields) > 0 || w.Patch.SetTags || w.Patch.PipelineID != 0 {
		if err := r.patch(ctx, w.Patch); err != nil {
			return err
		}
	}
	return r.addNotes(ctx, "leads", append(notes, r.notes(w)...))
}

// waitForCall polls the lead every Wait.Interval, at most Wait.Attempts
// times, until its call result is filled. Each pause is a Temporal timer.
// It returns the lead as last read (nil when it was deleted meanwhile).
func (r *initialRun) waitForCall(ctx workflow.Context, l activities.LeadCard) (*activities.LeadCard, error) {
	r.res.Waited = true
	w := r.is.Wait.WithDefaults()
	for r.res.Polls < w.Attempts {
		if err := workflow.Sleep(ctx, w.Interval); err != nil {
			return nil, err
		}
		r.res.Polls++
		var err error
		if l, err = r.read(ctx, nil); err != nil || l.ID == 0 {
			return nil, err
		}
		if callAnswered(l, r.ids) {
			r.res.Answered = true
			break
		}
	}
	return &l, nil
}

// social marks a lead of a social-network pipeline and moves it.
func (r *initialRun) social(ctx workflow.Context, l activities.LeadCard, row config.SocialPipeline) error {
	if r.hasService(socialDone) {
		r.res.Skipped = "the lead was processed before"
		return nil
	}
	var insta string
	var contactID int64
	if row.Type == "instagram" && r.ids.Instagram != 0 && len(l.ContactIDs) > 0 {
		var c activities.ContactCard
		if err := workflow.ExecuteActivity(r.actx, amo.ReadContact, activities.ReadInput{Account: r.acc.Account, ID: l.ContactIDs[0], Fields: []int64{r.ids.Instagram}}).Get(ctx, &c); err != nil {
			return err
		}
		insta, contactID = c.Fields[r.ids.Instagram], c.ID
	}
	w := social(l, row, r.ids, r.is.Tables, r.acc, r.st, r.f.leadName(r.acc), insta)
	if err := r.patch(ctx, w.Mark); err != nil {
		return err
	}
	if err := r.patch(ctx, w.Move); err != nil {
		return err
	}
	if w.InstagramNote != "" && contactID != 0 {
		var have []activities.NoteCard
		in := activities.ListNotesInput{Account: r.acc.Account, Entity: "contacts", EntityID: contactID, Types: []string{amocrm.NoteCommon}}
		if err := workflow.ExecuteActivity(r.actx, amo.ListNotes, in).Get(ctx, &have); err != nil {
			return err
		}
		note := activities.NoteCard{EntityID: contactID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: w.InstagramNote}}
		if miss := missingNotes([]activities.NoteCard{note}, have); len(miss) > 0 {
			if err := workflow.ExecuteActivity(r.actx, amo.AddNotes, activities.AddNotesInput{Account: r.acc.Account, Entity: "contacts", Notes: miss}).Get(ctx, nil); err != nil {
				return err
			}
		}
	}
	notes := r.notes(leadWrite{Notes: w.Notes, Service: w.Service})
	return r.addNotes(ctx, "leads", notes)
}

func (r *initialRun) patch(ctx workflow.Context, in activities.PatchLeadInput) error {
	return patchHookLead(ctx, r.actx, in, &r.res.HookResult)
}

// notes are a phase's notes on the lead: common ones, then the service note.
func (r *initialRun) notes(w leadWrite) []activities.NoteCard {
	var out []activities.NoteCard
	for _, t := range w.Notes {
		out = append(out, activities.NoteCard{EntityID: r.ev.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: t}})
	}
	if w.Service != "" {
		out = append(out, activities.NoteCard{EntityID: r.ev.ID, Type: amocrm.NoteServiceMessage,
			Params: amocrm.NoteParams{Service: r.serviceName(), Text: w.Service}})
	}
	return out
}

// addNotes adds the notes the lead did not have before this run.
func (r *initialRun) addNotes(ctx workflow.Context, entity string, notes []activities.NoteCard) error {
	miss := missingNotes(notes, r.have)
	if len(miss) == 0 {
		return nil
	}
	if err := workflow.ExecuteActivity(r.actx, amo.AddNotes, activities.AddNotesInput{Account: r.acc.Account, Entity: entity, Notes: miss}).Get(ctx, nil); err != nil {
		return err
	}
	r.res.Changed = true
	return nil
}

func (r *initialRun) serviceName() string {
	if r.is.Tables.ServiceName != "" {
		return r.is.Tables.ServiceName
	}
	return "amoflow"
}

// hasService reports whether the lead had the service note text before this run.
func (r *initialRun) hasService(text string) bool {
	return slices.ContainsFunc(r.have, func(n activities.NoteCard) bool {
		return n.Type == amocrm.NoteServiceMessage && n.Params.Text == text
	})
}

// leadName is the name new leads get in the account.
func (f *Flows) leadName(acc amoSettings) string {
	if f.Config != nil {
		if acct, ok := f.Config.Accounts[acc.Account]; ok && acct.LeadName != "" {
			return acct.LeadName
		}
	}
	return "Новая сделка"
}

// applied is the lead as a PATCH leaves it: fields and tags.
func applied(l activities.LeadCard, p activities.PatchLeadInput) activities.LeadCard {
	out := l
	out.Fields = make(map[int64]string, len(l.Fields)+len(p.Fields))
	for k, v := range l.Fields {
		out.Fields[k] = v
	}
	for _, f := range p.Fields {
		if len(f.Values) > 0 {
			out.Fields[f.ID] = f.Values[0].Text()
		}
	}
	if p.SetTags {
		out.Tags = slices.Clone(p.Tags)
	}
	if p.Name != "" {
		out.Name = p.Name
	}
	return out
}
