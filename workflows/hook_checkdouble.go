package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
)

// CheckDouble warns on a corporate company that other companies share its
// phone, email or INN (docs/flows.md#checkdouble): each value is searched,
// each hit verified, and the shared values listed in one note, unless the
// company's latest warning already says the same.
//
// amoCRM calls: 1 read + 1 search per phone/email/INN value (at most 10)
// + 0-1 note list + 0-1 note.
func (f *Flows) CheckDouble(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.checkDouble)
}

func (f *Flows) checkDouble(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	cf, err := f.companyFields(ctx, ev.Account)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	c := n.account(ev.Account)
	for _, k := range []string{"phone", "email", "inn"} {
		if cf[k] == 0 {
			n.missing = append(n.missing, "accounts."+ev.Account+".company_fields."+k)
		}
	}
	if err := n.err(); err != nil {
		return nil, err
	}
	cctx := amoOptions(ctx, c.TaskQueue)
	res := &HookResult{}
	var co activities.CompanyCard
	if err := workflow.ExecuteActivity(cctx, amo.ReadCompany, activities.ReadInput{Account: c.Account, ID: ev.ID}).Get(ctx, &co); err != nil {
		return nil, err
	}
	if co.ID == 0 {
		res.Skipped = "the company does not exist"
		return res, nil
	}
	var shared []string
	for _, chk := range doubleChecks(co, cf) {
		var hits []activities.CompanyCard
		if err := workflow.ExecuteActivity(cctx, amo.SearchCompanies, activities.SearchCompaniesInput{Account: c.Account, Query: chk.Query}).Get(ctx, &hits); err != nil {
			return nil, err
		}
		for _, h := range hits {
			if isDouble(h, co.ID, chk) {
				shared = append(shared, chk.Value)
				break
			}
		}
	}
	if len(shared) == 0 {
		res.Skipped = "no other company shares its phone, email or INN"
		return res, nil
	}
	text := doubleNote(shared)
	var notes []activities.NoteCard
	list := activities.ListNotesInput{Account: c.Account, Entity: "companies", EntityID: co.ID, Types: []string{amocrm.NoteCommon}}
	if err := workflow.ExecuteActivity(cctx, amo.ListNotes, list).Get(ctx, &notes); err != nil {
		return nil, err
	}
	if doubleNoted(notes, text) {
		res.Skipped = "the company's latest warning already lists these values"
		return res, nil
	}
	add := activities.AddNotesInput{Account: c.Account, Entity: "companies",
		Notes: []activities.NoteCard{{EntityID: co.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: text}}}}
	if err := workflow.ExecuteActivity(cctx, amo.AddNotes, add).Get(ctx, nil); err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}

// companyFields snapshots the account's company custom field ids.
func (f *Flows) companyFields(ctx workflow.Context, account string) (map[string]int64, error) {
	var m map[string]int64
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		if a, ok := f.Config.Accounts[account]; ok && a != nil {
			return a.CompanyFields
		}
		return map[string]int64{}
	}).Get(&m)
	return m, err
}
