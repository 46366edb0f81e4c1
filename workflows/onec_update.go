package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amowebhook"
	"amoflow/onec"
)

// UpdateOneC sends an amoCRM edit of a contact, company or lead to 1C
// (docs/flows.md#updateonec). It holds the lease on the entity, so two
// quick edits run one after the other, and each reads the entity afresh:
// 1C ends with the later one. Then:
//
//   - an entity 1C itself just wrote (echo mark, onec.echo_ttl) is skipped;
//   - an entity without a 1C GUID is skipped;
//   - 1C's object is read (GET), amoCRM's fields are laid over it
//     (overlayStudent, overlayPartner, overlayLeadEdit), and it is posted
//     back only when that changed something;
//   - a client's merged record is written onto its contact in every
//     account its amo_ids list (as ClientFrom1C, with echo marks so these
//     writes do not come back as edits).
//
// amoCRM calls: 1 read (+ a user read for a lead; + per account of the
// client's amo_ids 1 read and at most 1 update). 1C calls: GET, then POST
// when changed.
func (f *Flows) UpdateOneC(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.updateOneC)
}

func (f *Flows) updateOneC(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(ev.Account)
	if err != nil {
		return nil, err
	}
	res := &HookResult{}
	if ev.Entity == amowebhook.Contacts {
		res.ContactID = ev.ID
	} else if ev.Entity == amowebhook.Leads {
		res.LeadID = ev.ID
	}
	var echo bool
	if err := workflow.ExecuteActivity(storeOptions(ctx), oneC.IsEcho,
		activities.EchoInput{Account: acct.Name, Entity: ev.Entity, IDs: []int64{ev.ID}}).Get(ctx, &echo); err != nil {
		return nil, err
	}
	if echo {
		res.Skipped = "written by 1C"
		return res, nil
	}
	rec, err := f.read(ctx, acct, ev.Entity, 0, ev.ID)
	if err != nil {
		return nil, err
	}
	if rec.ID == 0 {
		res.Skipped = "the entity does not exist"
		return res, nil
	}
	octx := onecOptions(ctx, s)
	var found bool
	switch ev.Entity {
	case amowebhook.Contacts:
		uid := onec.GUID(field(rec, acct.ContactFields, keyClientID1C))
		if !uid.Valid() {
			res.Skipped = "no 1C client"
			return res, nil
		}
		var merged onec.Student
		res.Changed, found, merged, err = sendOverlay(ctx, octx, uid, oneC.OneCGetStudentOrNil, oneC.OneCEditStudent,
			func(have onec.Student) onec.Student {
				return overlayStudent(have, studentFromContact(rec, acct), acct.AccountID)
			})
		if err != nil || !found {
			res.Skipped = "1C has no such client"
			return res, err
		}
		// Every contact of the client, in both accounts, gets the merged record.
		for _, an := range personAccounts(s) {
			other, err := s.account(an)
			if err != nil {
				return nil, err
			}
			if _, err := f.clientInto(ctx, other, merged, true); err != nil {
				return nil, err
			}
		}
	case amowebhook.Companies:
		uid := onec.GUID(field(rec, acct.CompanyFields, keyCompanyID1C))
		if !uid.Valid() {
			res.Skipped = "no 1C partner"
			return res, nil
		}
		res.Changed, found, _, err = sendOverlay(ctx, octx, uid, oneC.OneCGetPartnerOrNil, oneC.OneCEditPartner,
			func(have onec.Partner) onec.Partner {
				return overlayPartner(have, partnerFromCompany(rec, acct), acct.AccountID)
			})
		if err != nil || !found {
			res.Skipped = "1C has no such partner"
			return res, err
		}
	default: // leads
		uid := onec.GUID(field(rec, acct.LeadFields, keyLeadID1C))
		if !uid.Valid() {
			res.Skipped = "no 1C application"
			return res, nil
		}
		var responsible string
		get := func(ctx workflow.Context, uid onec.GUID) (*onec.Application, error) {
			var have *onec.Application
			if err := workflow.ExecuteActivity(octx, oneC.OneCGetApplication, uid).Get(ctx, &have); err != nil || have == nil {
				return have, err
			}
			// The responsible's name is read only for an application 1C has.
			err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.UserName1C, activities.AmoRef{Account: acct.Name, ID: rec.ResponsibleID}).Get(ctx, &responsible)
			return have, err
		}
		res.Changed, found, _, err = sendOverlay(ctx, octx, uid, get, oneC.OneCEditApplication,
			func(have onec.Application) onec.Application {
				return overlayLeadEdit(have, applicationFor(rec, acct, "", "", "", false, responsible), acct.Name == s.Corporate)
			})
		if err != nil || !found {
			res.Skipped = "1C has no such application"
			return res, err
		}
	}
	if !res.Changed && res.Skipped == "" {
		res.Skipped = "1C already holds amoCRM's values"
	}
	return res, nil
}

// sendOverlay reads 1C's object (get: an activity, or a function doing
// the reads), lays amoCRM over it and posts it with the edit activity when
// that changed something. found is false when 1C has no such object.
func sendOverlay[T any](ctx, octx workflow.Context, uid onec.GUID, get, edit any, overlay func(T) T) (changed, found bool, merged T, err error) {
	var have *T
	if read, ok := get.(func(workflow.Context, onec.GUID) (*T, error)); ok {
		have, err = read(ctx, uid)
	} else {
		err = workflow.ExecuteActivity(octx, get, uid).Get(ctx, &have)
	}
	if err != nil || have == nil {
		return false, false, merged, err
	}
	merged = overlay(*have)
	if unchanged(*have, merged) {
		return false, true, merged, nil
	}
	err = workflow.ExecuteActivity(octx, edit, merged).Get(ctx, nil)
	return err == nil, true, merged, err
}
