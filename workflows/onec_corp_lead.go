package workflows

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// CorpLeadInput is a corporate lead from the corporate LK (docs/flows.md#corpleadbyinn).
type CorpLeadInput struct {
	INN       string `json:"inn"`
	Company   string `json:"company"`
	Name      string `json:"name"`
	Surname   string `json:"surname"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Post      string `json:"post"`
	ManagerID int64  `json:"manager_id"`
}

// CorpLeadResult is what a finished CorpLeadByINN reports.
type CorpLeadResult struct {
	LeadID    int64 `json:"lead_id"`
	ContactID int64 `json:"contact_id"`
	CompanyID int64 `json:"company_id"`
	// Merged is true when the person's open lead was used instead of a new one.
	Merged bool `json:"merged"`
}

// CorpLeadByINN makes a corporate lead for a company by INN (reference-
// system docs/flows.md#corpleadbyinn, as intended): the company whose INN field equals the INN,
// else a new one; the person found by phone, then e-mail (verified), else
// a new contact; the contact linked to the company; then the person's open
// lead (as a site form would merge) or a new lead in the intake stage,
// responsible the manager asked for when they are one of onec.managers,
// linked to the contact and the company. Each step is a method below, in
// the order it runs; the pure parts are in onec_corp_lead_plan.go.
func (f *Flows) CorpLeadByINN(ctx workflow.Context, in CorpLeadInput) (*CorpLeadResult, error) {
	s, acct, fs, err := f.corpLeadSettings(ctx)
	if err != nil {
		return nil, err
	}
	inn := strings.TrimSpace(in.INN)
	ph, email := normPhone(in.Phone), normEmail(in.Email)
	if !corpLeadComplete(inn, in.Phone, email) {
		return nil, temporal.NewNonRetryableApplicationError("a corporate lead needs inn and a phone or an e-mail", activities.ErrBadCorpLead, nil)
	}
	res := &CorpLeadResult{}
	if res.CompanyID, err = f.companyByINN(ctx, acct, inn, in.Company); err != nil {
		return nil, err
	}
	contact, err := f.findPerson(ctx, acct, ph, email)
	if err != nil {
		return nil, err
	}
	if res.ContactID, err = f.corpLeadContact(ctx, acct, in, contact, ph, email, res.CompanyID); err != nil {
		return nil, err
	}
	if res.LeadID, res.Merged, err = f.mergeIntoOpenLead(ctx, acct, fs, contact.LeadIDs, res.CompanyID); err != nil {
		return nil, err
	}
	if !res.Merged {
		w := newCorpLeadWrite(acct, corpLeadResponsible(acct, s.Managers, in.ManagerID), res.ContactID, res.CompanyID)
		if res.LeadID, err = f.write(ctx, acct, w); err != nil {
			return nil, err
		}
	}
	tagLead(ctx, s.SearchAttributes, res.LeadID)
	return res, nil
}

// corpLeadSettings reads the 1C settings, the corporate account and its
// form settings (which say which open lead a new request merges into).
func (f *Flows) corpLeadSettings(ctx workflow.Context) (onecSettings, onecAccount, formSettings, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return onecSettings{}, onecAccount{}, formSettings{}, err
	}
	acct, err := s.account(s.Corporate)
	if err != nil {
		return onecSettings{}, onecAccount{}, formSettings{}, err
	}
	fs, err := f.formSettings(ctx, acct.Name)
	if err != nil {
		return onecSettings{}, onecAccount{}, formSettings{}, err
	}
	return s, acct, fs, nil
}

// companyByINN is the id of the company whose INN field holds inn, made
// (named name, or after the INN) when there is none.
func (f *Flows) companyByINN(ctx workflow.Context, acct onecAccount, inn, name string) (int64, error) {
	company, err := f.findCompany(ctx, acct, inn, "", "")
	if err != nil || company.ID != 0 {
		return company.ID, err
	}
	return f.write(ctx, acct, newCorpCompanyWrite(acct, inn, name))
}

// corpLeadContact is the person's contact id: a new contact (with the
// position, in the company), or the found one with its position brought up
// to date and linked to the company when it is not yet.
func (f *Flows) corpLeadContact(ctx workflow.Context, acct onecAccount, in CorpLeadInput, contact activities.AmoRecord, ph, email string, companyID int64) (int64, error) {
	post := positionFields(acct, in.Post)
	if contact.ID == 0 {
		return f.write(ctx, acct, newCorpContactWrite(in, post, ph, email, companyID))
	}
	if len(post) > 0 && !sameFields(contact, post) {
		if _, err := f.write(ctx, acct, activities.AmoWrite{Entity: "contacts", ID: contact.ID, Fields: post}); err != nil {
			return 0, err
		}
	}
	if !containsID(contact.CompanyIDs, companyID) {
		link := activities.AmoLinks{Account: acct.Name, Entity: "contacts", ID: contact.ID,
			Links: []activities.AmoLinkTo{{Entity: "companies", ID: companyID}}}
		if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, link).Get(ctx, nil); err != nil {
			return 0, err
		}
	}
	return contact.ID, nil
}

// mergeIntoOpenLead picks the person's open lead a site form would merge
// into (mergeTarget) among leadIDs and links it to the company; merged is
// false when there is none.
func (f *Flows) mergeIntoOpenLead(ctx workflow.Context, acct onecAccount, fs formSettings, leadIDs []int64, companyID int64) (leadID int64, merged bool, err error) {
	if len(leadIDs) == 0 {
		return 0, false, nil
	}
	var leads []activities.Lead
	if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.GetLeads, activities.GetLeadsInput{Account: acct.Name, IDs: leadIDs}).Get(ctx, &leads); err != nil {
		return 0, false, err
	}
	target, ok := mergeTarget(leads, fs)
	if !ok {
		return 0, false, nil
	}
	link := activities.AmoLinks{Account: acct.Name, Entity: "leads", ID: target.ID,
		Links: []activities.AmoLinkTo{{Entity: "companies", ID: companyID}}}
	if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, link).Get(ctx, nil); err != nil {
		return 0, false, err
	}
	return target.ID, true, nil
}
