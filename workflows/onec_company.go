package workflows

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
	"amoflow/phone"
)

// CompanyFrom1CInput is a partner 1C sends (docs/flows.md#companyfrom1c).
type CompanyFrom1CInput struct {
	Partner    onec.Partner `json:"partner"`
	UpdateOnly bool         `json:"update_only,omitempty"`
}

// CompanyFrom1C writes a 1C partner onto its company in the corporate
// account: the company listed in amo_ids, else the one linked to the GUID,
// else (not UpdateOnly) one found by INN, phone or e-mail, each hit
// verified; else a new company. Its fields are set; the name is set only
// on a new company (managers rename companies in amoCRM).
func (f *Flows) CompanyFrom1C(ctx workflow.Context, in CompanyFrom1CInput) (*AmoIDsResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	p := in.Partner
	if !p.CompanyID.Valid() || strings.TrimSpace(p.Name) == "" {
		return nil, temporal.NewNonRetryableApplicationError("a partner needs company_id_1C and name", activities.ErrBadPartner, nil)
	}
	acct, err := s.account(s.Corporate)
	if err != nil {
		return nil, err
	}
	res := &AmoIDsResult{AmoIDs: []onec.AmoID{}}
	id, err := f.companyInto(ctx, acct, p, in.UpdateOnly)
	if err != nil {
		return nil, err
	}
	if id != 0 {
		res.AmoIDs = append(res.AmoIDs, onec.AmoID{AccountID: acct.AccountID, EntityID: id})
	}
	return res, nil
}

func (f *Flows) companyInto(ctx workflow.Context, acct onecAccount, p onec.Partner, updateOnly bool) (int64, error) {
	company, err := f.read(ctx, acct, "companies", 0, onec.AmoIDIn(p.AmoIDs, acct.AccountID))
	if err != nil {
		return 0, err
	}
	if company.ID == 0 {
		if company, err = f.recall(ctx, acct, "companies", 0, p.CompanyID); err != nil {
			return 0, err
		}
	}
	if company.ID == 0 && !updateOnly {
		if company, err = f.findCompany(ctx, acct, p.INN, p.Phone, p.Email); err != nil {
			return 0, err
		}
	}
	if company.ID == 0 && updateOnly {
		return 0, nil
	}
	fields := companyFrom1C(p, acct)
	w := activities.AmoWrite{Entity: "companies", ID: company.ID, Fields: fields}
	phones, addedPhone := mergeValues(company.Phones, normPhone(p.Phone), samePhone)
	emails, addedEmail := mergeValues(company.Emails, strings.ToLower(strings.TrimSpace(p.Email)), sameEmail)
	if addedPhone {
		w.Phones = phones
	}
	if addedEmail {
		w.Emails = emails
	}
	if company.ID == 0 {
		w.Name = strings.TrimSpace(p.Name)
		w.Probe = activities.AmoProbe{Query: w.Name, FieldID: acct.CompanyFields[keyCompanyID1C], Value: string(p.CompanyID)}
	}
	id := company.ID
	if company.ID == 0 || addedPhone || addedEmail || !sameFields(company, fields) {
		if id, err = f.write(ctx, acct, w); err != nil {
			return 0, err
		}
	}
	return id, f.written(ctx, acct, "companies", p.CompanyID, id)
}

// findCompany finds a company by INN (the INN field must equal it), then
// by phone, then by e-mail, verified; zero when none.
func (f *Flows) findCompany(ctx workflow.Context, acct onecAccount, inn, ph, email string) (activities.AmoRecord, error) {
	if inn = strings.TrimSpace(inn); inn != "" && acct.CompanyFields["inn"] != 0 {
		hits, err := f.search(ctx, acct, "companies", 0, inn)
		if err != nil {
			return activities.AmoRecord{}, err
		}
		for _, h := range hits {
			if strings.TrimSpace(h.Fields[acct.CompanyFields["inn"]]) == inn {
				return h, nil
			}
		}
	}
	ph, email = normPhone(ph), strings.ToLower(strings.TrimSpace(email))
	for _, q := range []struct{ query, phone, email string }{{phone.SearchKey(ph), ph, ""}, {email, "", email}} {
		if q.query == "" {
			continue
		}
		hits, err := f.search(ctx, acct, "companies", 0, q.query)
		if err != nil {
			return activities.AmoRecord{}, err
		}
		if hit, ok := verifiedHit(hits, q.phone, q.email); ok {
			return hit, nil
		}
	}
	return activities.AmoRecord{}, nil
}
