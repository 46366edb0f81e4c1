package workflows

import (
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/phone"
)

// PaymentResult is what a payment form's flow reports.
type PaymentResult struct {
	HookResult
	// ContactIDs are the payer's contacts found (retailpaid: each got the note).
	ContactIDs []int64 `json:"contact_ids,omitempty"`
}

// ConferencePaid moves the payer's corporate conference lead from
// "unpaid" to "paid" (docs/flows.md#conferencepaid). The payer is found
// by phone and email among contacts and companies (every hit verified);
// their oldest lead waiting for payment in the conference pipeline moves.
// A payer amoCRM does not know, or without such a lead, fails the job
// with a reason (the predecessor only logged it).
//
// amoCRM calls: 2-4 searches + 0-1 read of the leads + 0-1 update.
func (f *Flows) ConferencePaid(ctx workflow.Context, ev HookEvent) (*PaymentResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	c := n.account(ev.Account)
	pipeline := n.id(c, "pipelines", "conference")
	unpaid := n.id(c, "statuses", "conference_unpaid")
	paid := n.id(c, "statuses", "conference_paid")
	if err := n.err(); err != nil {
		return nil, err
	}
	// The payer's lease: two payments of one person (for two conferences)
	// at once must not both take the same unpaid lead.
	ph, email := ev.Params["phone"], ev.Params["email"]
	var res *PaymentResult
	err = withLeases(ctx, leaseKeys(c.Account, personKeys(ph, email)...), func() (err error) {
		res, err = f.conferencePaid(ctx, s, c, ph, email, pipeline, unpaid, paid)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// conferencePaid is ConferencePaid, done holding the payer's lease.
func (f *Flows) conferencePaid(ctx workflow.Context, s hookSettings, c amoSettings, ph, email string, pipeline, unpaid, paid int64) (*PaymentResult, error) {
	cctx := amoOptions(ctx, c.TaskQueue)
	contacts, err := searchPayer(ctx, cctx, c.Account, ph, email)
	if err != nil {
		return nil, err
	}
	companies, err := searchPayerCompanies(ctx, cctx, c.Account, ph, email)
	if err != nil {
		return nil, err
	}
	res := &PaymentResult{}
	var ids []int64
	for _, ct := range contacts {
		res.ContactIDs = append(res.ContactIDs, ct.ID)
		ids = append(ids, ct.LeadIDs...)
	}
	for _, co := range companies {
		ids = append(ids, co.LeadIDs...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil, temporal.NewNonRetryableApplicationError("no corporate contact or company with the payer's phone or email has a lead", activities.ErrPayerNotFound, nil)
	}
	var leads []activities.Lead
	if err := workflow.ExecuteActivity(cctx, amo.GetLeads, activities.GetLeadsInput{Account: c.Account, IDs: ids}).Get(ctx, &leads); err != nil {
		return nil, err
	}
	lead, ok := conferenceLead(leads, pipeline, unpaid)
	if !ok {
		if _, done := conferenceLead(leads, pipeline, paid); done {
			res.Skipped = "the payer's conference lead is already paid"
			return res, nil
		}
		return nil, temporal.NewNonRetryableApplicationError("the payer has no conference lead waiting for payment", activities.ErrNoUnpaidLead, nil)
	}
	res.LeadID = lead.ID
	tagLead(ctx, s.SearchAttributes, lead.ID)
	up := activities.PatchLeadInput{Account: c.Account, ID: lead.ID, PipelineID: pipeline, StatusID: paid}
	if err := workflow.ExecuteActivity(cctx, amo.PatchLead, up).Get(ctx, nil); err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}

// RetailPaid adds the payment note to every retail contact of the payer,
// found by phone and email (docs/flows.md#retailpaid). A payer amoCRM does
// not know fails the job with a reason (the payment would be lost).
//
// amoCRM calls: 1-2 searches + 1 note batch.
func (f *Flows) RetailPaid(ctx workflow.Context, ev HookEvent) (*PaymentResult, error) {
	s, err := f.hookSettings(ctx)
	if err != nil {
		return nil, err
	}
	n := needs{s: s}
	r := n.account(ev.Account)
	if err := n.err(); err != nil {
		return nil, err
	}
	rctx := amoOptions(ctx, r.TaskQueue)
	ph, email, price := ev.Params["phone"], ev.Params["email"], ev.Params["price"]
	contacts, err := searchPayer(ctx, rctx, r.Account, ph, email)
	if err != nil {
		return nil, err
	}
	if len(contacts) == 0 {
		return nil, temporal.NewNonRetryableApplicationError("no retail contact has the payer's phone or email", activities.ErrPayerNotFound, nil)
	}
	if len(contacts) > maxPayerContacts {
		contacts = contacts[:maxPayerContacts]
	}
	res := &PaymentResult{}
	text := paymentNote(price, ph, email)
	notes := make([]activities.NoteCard, 0, len(contacts))
	for _, ct := range contacts {
		res.ContactIDs = append(res.ContactIDs, ct.ID)
		notes = append(notes, activities.NoteCard{EntityID: ct.ID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: text}})
	}
	in := activities.AddNotesInput{Account: r.Account, Entity: "contacts", Notes: notes}
	if err := workflow.ExecuteActivity(rctx, amo.AddNotes, in).Get(ctx, nil); err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}

// maxPayerContacts is one note batch (amoCRM takes 50 at once).
const maxPayerContacts = 50

// searchPayer finds the payer's contacts by phone and by email (both, as
// the predecessor: a payment goes to each of them), verified.
func searchPayer(ctx, actx workflow.Context, account, ph, email string) ([]activities.Contact, error) {
	var hits []activities.Contact
	for _, q := range []string{phone.SearchKey(ph), email} {
		if q == "" {
			continue
		}
		var found []activities.Contact
		if err := workflow.ExecuteActivity(actx, amo.SearchContacts, activities.SearchContactsInput{Account: account, Query: q}).Get(ctx, &found); err != nil {
			return nil, err
		}
		hits = append(hits, found...)
	}
	return payerContacts(hits, ph, email), nil
}

// searchPayerCompanies finds the payer's companies (with their leads) by
// phone and by email, verified.
func searchPayerCompanies(ctx, actx workflow.Context, account, ph, email string) ([]activities.CompanyCard, error) {
	var hits []activities.CompanyCard
	for _, q := range []string{phone.SearchKey(ph), email} {
		if q == "" {
			continue
		}
		var found []activities.CompanyCard
		in := activities.SearchCompaniesInput{Account: account, Query: q, With: []string{"leads"}}
		if err := workflow.ExecuteActivity(actx, amo.SearchCompanies, in).Get(ctx, &found); err != nil {
			return nil, err
		}
		hits = append(hits, found...)
	}
	return payerCompanies(hits, ph, email), nil
}
