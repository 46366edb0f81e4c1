package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// EditContact writes a retail contact's phones in the one normalized form
// (docs/flows.md#editcontact, webhook editcontact, docs/flows.md#phone-normalization): every value is kept,
// with its enum, in its place (the old code kept only the first). When every
// phone already is in that form nothing is written, so the contact-update
// webhook our own update triggers ends there instead of looping.
//
// amoCRM calls: 1 read + 0-1 update.
func (f *Flows) EditContact(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.editContact)
}

// editContact is EditContact, done holding the lease on the event's entity.
func (f *Flows) editContact(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account("retail")
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	res := &HookResult{ContactID: ev.ID}

	var ct activities.ContactCard
	if err := workflow.ExecuteActivity(rctx, amo.ReadContact, activities.ReadInput{Account: r.Account, ID: ev.ID}).Get(ctx, &ct); err != nil {
		return nil, err
	}
	if ct.ID == 0 {
		res.Skipped = "the contact does not exist"
		return res, nil
	}
	values, changed := normalizedPhones(ct.PhoneField.Values)
	if !changed {
		res.Skipped = "the phones are already normalized"
		return res, nil
	}
	field := activities.FieldValues{ID: ct.PhoneField.ID, Values: values}
	if field.ID == 0 {
		field.Code = "PHONE"
	}
	up := activities.PatchContactInput{Account: r.Account, ID: ct.ID, Fields: []activities.FieldValues{field}}
	if err := workflow.ExecuteActivity(rctx, amo.PatchContact, up).Get(ctx, nil); err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}
