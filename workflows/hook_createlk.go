package workflows

import (
	"strconv"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// lkSettings is what createlk needs beyond the account's ids.
type lkSettings struct {
	BaseURL       bool // lk.base_url is set
	Courses       []string
	ContactFields map[string]int64
}

// CreateLK asks the LK service for the account of a retail lead's student
// (docs/flows.md#createlk): the lead's course must be one of lk.courses;
// the student is the lead's contact with the LK flag (else its first), who
// must be linked to 1C. The account's id is written to the contact (the
// marker: a contact that has one is not registered again), the outcome to
// the lead's "LK created" field (Да/Нет) and a note says what happened.
//
// amoCRM calls: 2 reads (lead, contacts) + 1 note + 1-2 updates (contact,
// lead); LK 0-1.
func (f *Flows) CreateLK(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.createLK)
}

func (f *Flows) createLK(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	var ls lkSettings
	if err := workflow.SideEffect(ctx, func(workflow.Context) any {
		out := lkSettings{BaseURL: f.Config.LK.BaseURL != "", Courses: f.Config.LK.Courses}
		if a, ok := f.Config.Accounts[ev.Account]; ok && a != nil {
			out.ContactFields = a.ContactFields
		}
		return out
	}).Get(&ls); err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account(ev.Account)
	courseID := n.id(r, "lead_fields", "course")
	createdID := n.id(r, "lead_fields", "lk_created")
	for _, k := range []string{"client_id_1c", "lk_user_id", "lk_flag"} {
		if ls.ContactFields[k] == 0 {
			n.missing = append(n.missing, "accounts."+ev.Account+".contact_fields."+k)
		}
	}
	if !ls.BaseURL {
		n.missing = append(n.missing, "lk.base_url")
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	res := &HookResult{LeadID: ev.ID}
	tagLead(ctx, s.SearchAttributes, ev.ID)

	lead, ok, err := readHookLead(ctx, rctx, activities.ReadInput{Account: r.Account, ID: ev.ID, With: []string{"contacts"}}, res)
	if !ok {
		return hookDone(res, err)
	}
	// outcome writes the note (when any) and the lead's flag (when it changes).
	outcome := func(note, flag string) error {
		if note != "" {
			in := activities.AddNotesInput{Account: r.Account, Entity: "leads",
				Notes: []activities.NoteCard{{EntityID: lead.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: note}}}}
			if err := workflow.ExecuteActivity(rctx, amo.AddNotes, in).Get(ctx, nil); err != nil {
				return err
			}
			res.Changed = true
		}
		if lead.Fields[createdID] != flag {
			up := activities.PatchLeadInput{Account: r.Account, ID: lead.ID, Fields: []activities.FieldValues{textField(createdID, flag)}}
			return patchHookLead(ctx, rctx, up, res)
		}
		return nil
	}
	refuse := func(note, why string) (*HookResult, error) {
		res.Skipped = why
		return res, outcome(note, lkNo)
	}
	if !lkCourseOK(lead.Fields[courseID], ls.Courses) {
		return refuse(lkNoCourseNote, "the lead's course does not get a personal account")
	}
	if len(lead.ContactIDs) == 0 {
		return refuse(lkNoContactNote, "the lead has no contact")
	}
	var contacts []activities.ContactFields
	if err := workflow.ExecuteActivity(rctx, amo.ReadContactFields, activities.ReadContactsInput{Account: r.Account, IDs: lead.ContactIDs}).Get(ctx, &contacts); err != nil {
		return nil, err
	}
	ct, ok := lkContact(contacts, lead.ContactIDs, ls.ContactFields["lk_flag"])
	if !ok {
		return refuse(lkNoContactNote, "the lead's contacts do not exist")
	}
	res.ContactID = ct.ID
	if id := fieldText(ct.Values, ls.ContactFields["lk_user_id"], ""); id != "" {
		res.Skipped = "the contact already has personal account " + id
		return res, outcome("", lkYes)
	}
	if fieldText(ct.Values, ls.ContactFields["client_id_1c"], "") == "" {
		return refuse(lkNo1CNote, "the contact is not linked to 1C")
	}
	var answer activities.LKAnswer
	if err := workflow.ExecuteActivity(localOptions(ctx), lkService.RegisterStudent, lkStudent(ct, ls.ContactFields)).Get(ctx, &answer); err != nil {
		return nil, err
	}
	if answer.User == 0 {
		return refuse(lkFailedNote(answer), "the LK service refused the account")
	}
	// The marker first: a run that stops after it does not register again.
	up := activities.PatchContactInput{Account: r.Account, ID: ct.ID,
		Fields: []activities.FieldValues{textField(ls.ContactFields["lk_user_id"], strconv.FormatInt(answer.User, 10))}}
	if err := workflow.ExecuteActivity(rctx, amo.PatchContact, up).Get(ctx, nil); err != nil {
		return nil, err
	}
	res.Created = true
	return res, outcome(lkCreatedNote, lkYes)
}
