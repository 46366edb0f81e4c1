package workflows

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/phone"
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
// linked to the contact and the company.
func (f *Flows) CorpLeadByINN(ctx workflow.Context, in CorpLeadInput) (*CorpLeadResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(s.Corporate)
	if err != nil {
		return nil, err
	}
	fs, err := f.formSettings(ctx, acct.Name)
	if err != nil {
		return nil, err
	}
	inn := strings.TrimSpace(in.INN)
	ph, email := normPhone(in.Phone), normEmail(in.Email)
	if inn == "" || (phone.Normalize(in.Phone) == "" && email == "") {
		return nil, temporal.NewNonRetryableApplicationError("a corporate lead needs inn and a phone or an e-mail", activities.ErrBadCorpLead, nil)
	}
	res := &CorpLeadResult{}

	// The company.
	company, err := f.findCompany(ctx, acct, inn, "", "")
	if err != nil {
		return nil, err
	}
	if res.CompanyID = company.ID; company.ID == 0 {
		name := strings.TrimSpace(in.Company)
		if name == "" {
			name = "ИНН " + inn
		}
		w := activities.AmoWrite{Entity: "companies", Name: name, Fields: map[int64]string{},
			Probe: activities.AmoProbe{Query: inn, FieldID: acct.CompanyFields["inn"], Value: inn}}
		if id := acct.CompanyFields["inn"]; id != 0 {
			w.Fields[id] = inn
		}
		if res.CompanyID, err = f.write(ctx, acct, w); err != nil {
			return nil, err
		}
	}

	// The person.
	contact, err := f.findPerson(ctx, acct, ph, email)
	if err != nil {
		return nil, err
	}
	res.ContactID = contact.ID
	post := map[int64]string{}
	if id := acct.ContactFields["position"]; id != 0 && strings.TrimSpace(in.Post) != "" {
		post[id] = strings.TrimSpace(in.Post)
	}
	if contact.ID == 0 {
		w := activities.AmoWrite{Entity: "contacts", FirstName: strings.TrimSpace(in.Name), LastName: strings.TrimSpace(in.Surname),
			ResponsibleID: in.ManagerID, Fields: post, CompanyID: res.CompanyID,
			Probe: activities.AmoProbe{Query: phone.SearchKey(ph), Value: strings.TrimSpace(in.Name + " " + in.Surname)}}
		if ph != "" {
			w.Phones = []string{ph}
		}
		if email != "" {
			w.Emails = []string{email}
		}
		if w.Probe.Query == "" {
			w.Probe.Query = email
		}
		if res.ContactID, err = f.write(ctx, acct, w); err != nil {
			return nil, err
		}
	} else {
		if len(post) > 0 && !sameFields(contact, post) {
			if _, err := f.write(ctx, acct, activities.AmoWrite{Entity: "contacts", ID: contact.ID, Fields: post}); err != nil {
				return nil, err
			}
		}
		if !containsID(contact.CompanyIDs, res.CompanyID) {
			link := activities.AmoLinks{Account: acct.Name, Entity: "contacts", ID: contact.ID,
				Links: []activities.AmoLinkTo{{Entity: "companies", ID: res.CompanyID}}}
			if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, link).Get(ctx, nil); err != nil {
				return nil, err
			}
		}
	}

	// The lead: the person's open lead, else a new one.
	if len(contact.LeadIDs) > 0 {
		var leads []activities.Lead
		if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.GetLeads, activities.GetLeadsInput{Account: acct.Name, IDs: contact.LeadIDs}).Get(ctx, &leads); err != nil {
			return nil, err
		}
		if target, ok := mergeTarget(leads, fs); ok {
			res.LeadID, res.Merged = target.ID, true
			link := activities.AmoLinks{Account: acct.Name, Entity: "leads", ID: target.ID,
				Links: []activities.AmoLinkTo{{Entity: "companies", ID: res.CompanyID}}}
			if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, link).Get(ctx, nil); err != nil {
				return nil, err
			}
		}
	}
	if !res.Merged {
		responsible := acct.DefaultResponsible
		if containsID(s.Managers, in.ManagerID) {
			responsible = in.ManagerID
		}
		w := activities.AmoWrite{Entity: "leads", Name: acct.LeadName, PipelineID: acct.Intake.PipelineID, StatusID: acct.Intake.StatusID,
			ResponsibleID: responsible, ContactIDs: []int64{res.ContactID}, CompanyID: res.CompanyID}
		if res.LeadID, err = f.write(ctx, acct, w); err != nil {
			return nil, err
		}
	}
	tagLead(ctx, s.SearchAttributes, res.LeadID)
	return res, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
