package workflows

import (
	"slices"
	"strings"

	"amoflow/activities"
	"amoflow/phone"
)

// Pure parts of CorpLeadByINN (onec_corp_lead.go).

// corpLeadComplete: a corporate lead needs an INN and a usable phone
// (rawPhone as sent) or an e-mail.
func corpLeadComplete(inn, rawPhone, email string) bool {
	return inn != "" && (phone.Normalize(rawPhone) != "" || email != "")
}

// newCorpCompanyWrite makes the company of inn, named name or else after the
// INN; the probe finds it by its INN field if an earlier attempt made it.
func newCorpCompanyWrite(acct onecAccount, inn, name string) activities.AmoWrite {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "ИНН " + inn
	}
	w := activities.AmoWrite{Entity: "companies", Name: name, Fields: map[int64]string{},
		Probe: activities.AmoProbe{Query: inn, FieldID: acct.CompanyFields["inn"], Value: inn}}
	if id := acct.CompanyFields["inn"]; id != 0 {
		w.Fields[id] = inn
	}
	return w
}

// positionFields is the contact's position field, empty when the account
// has none or no position was sent.
func positionFields(acct onecAccount, post string) map[int64]string {
	fields := map[int64]string{}
	if id := acct.ContactFields["position"]; id != 0 && strings.TrimSpace(post) != "" {
		fields[id] = strings.TrimSpace(post)
	}
	return fields
}

// newCorpContactWrite makes the person's contact in the company; the probe
// finds it by phone (else e-mail) and name if an earlier attempt made it.
func newCorpContactWrite(in CorpLeadInput, post map[int64]string, ph, email string, companyID int64) activities.AmoWrite {
	w := activities.AmoWrite{Entity: "contacts", FirstName: strings.TrimSpace(in.Name), LastName: strings.TrimSpace(in.Surname),
		ResponsibleID: in.ManagerID, Fields: post, CompanyID: companyID,
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
	return w
}

// corpLeadResponsible is the manager asked for when they are one of
// onec.managers, else the account's default responsible.
func corpLeadResponsible(acct onecAccount, managers []int64, asked int64) int64 {
	if containsID(managers, asked) {
		return asked
	}
	return acct.DefaultResponsible
}

// newCorpLeadWrite makes the lead in the intake stage, linked to the
// contact and the company.
func newCorpLeadWrite(acct onecAccount, responsible, contactID, companyID int64) activities.AmoWrite {
	return activities.AmoWrite{Entity: "leads", Name: acct.LeadName, PipelineID: acct.Intake.PipelineID, StatusID: acct.Intake.StatusID,
		ResponsibleID: responsible, ContactIDs: []int64{contactID}, CompanyID: companyID}
}

func containsID(ids []int64, id int64) bool { return slices.Contains(ids, id) }
