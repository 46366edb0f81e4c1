package starter

import (
	"strings"

	"amoflow/egrul"
	"amoflow/onec"
	"amoflow/phone"
	"amoflow/workflows"
)

// Validation of what 1C sends (docs/flows.md#from-1c-to-amocrm, docs/flows.md#from-1c-to-amocrm): the first bad
// field is named in a 400 problem. patch is true for PATCH (update only).

func checkGUID(field string, g onec.GUID) *problem {
	if g == "" {
		return invalidField(field, "is required")
	}
	if !g.Valid() {
		return invalidField(field, "is not a 1C GUID")
	}
	return nil
}

func checkAmoIDs(ids []onec.AmoID) *problem {
	for _, id := range ids {
		if id.AccountID == 0 || id.EntityID == 0 {
			return invalidField("amo_ids", "amo_id values cannot be 0")
		}
	}
	return nil
}

func validateClient(c onec.Student, patch bool) *problem {
	if p := checkGUID("client_id_1C", c.ClientID); p != nil {
		return p
	}
	if strings.TrimSpace(c.Name) == "" {
		return invalidField("name", "is required")
	}
	if phone.Normalize(c.Phone) == "" && workflows.FormEmail(c.Email) == "" {
		return invalidField("phone", "a phone or an email is required")
	}
	return checkAmoIDs(c.AmoIDs)
}

func validatePartner(p onec.Partner, patch bool) *problem {
	if pr := checkGUID("company_id_1C", p.CompanyID); pr != nil {
		return pr
	}
	if strings.TrimSpace(p.Name) == "" {
		return invalidField("name", "is required")
	}
	hasContact := strings.TrimSpace(p.Phone) != "" || strings.TrimSpace(p.Email) != ""
	if !hasContact && (patch || strings.TrimSpace(p.INN) == "") {
		if patch {
			return invalidField("phone", "a phone or an email is required")
		}
		return invalidField("inn", "a phone, an email or the INN is required")
	}
	return checkAmoIDs(p.AmoIDs)
}

func validateApplication(a onec.Application, patch bool) *problem {
	for _, c := range []struct {
		field string
		id    onec.GUID
	}{{"lead_id_1C", a.LeadID}, {"client_id_1C", a.ClientID}, {"product_id_1C", a.ProductID}} {
		if p := checkGUID(c.field, c.id); p != nil {
			return p
		}
	}
	if !patch || a.Organization != "" {
		if strings.TrimSpace(a.Organization) == "" {
			return invalidField("organization", "is required")
		}
		if !workflows.ValidOrganization(a.Organization) {
			return invalidField("organization", "unknown organization")
		}
	}
	if a.IsCorporate {
		if p := checkGUID("company_id_1C", a.CompanyID); p != nil {
			return p
		}
	}
	return checkAmoIDs(a.AmoIDs)
}

func validateCourse(c onec.Course) *problem {
	if p := checkGUID("product_id_1C", c.ProductID); p != nil {
		return p
	}
	if strings.TrimSpace(c.Name) == "" {
		return invalidField("name", "is required")
	}
	if strings.TrimSpace(c.ShortName) == "" {
		return invalidField("short_name", "is required")
	}
	return checkAmoIDs(c.AmoIDs)
}

func validateStudyGroup(g workflows.StudyGroupInput) *problem {
	if strings.TrimSpace(g.Group) == "" && g.LeadID.Int() <= 0 {
		return invalidField("group", "group or lead_id is required")
	}
	if g.LeadID < 0 {
		return invalidField("lead_id", "must be a lead id")
	}
	if g.Organization != "" && !workflows.ValidOrganization(g.Organization) {
		return invalidField("organization", "unknown organization")
	}
	for _, st := range g.Students {
		if p := checkAmoIDs(st.AmoIDs); p != nil {
			p.Field = "students.amo_ids"
			return p
		}
		if st.ID1C != "" && !st.ID1C.Valid() {
			return invalidField("students.1c_id", "is not a 1C GUID")
		}
	}
	return nil
}

func validateCorpLead(c workflows.CorpLeadInput) *problem {
	inn := strings.TrimSpace(c.INN)
	if inn == "" {
		return invalidField("inn", "is required")
	}
	if !egrul.ValidINN(inn) {
		return invalidField("inn", "must be 10 or 12 digits")
	}
	if phone.Normalize(c.Phone) == "" && workflows.FormEmail(c.Email) == "" {
		return invalidField("phone", "a phone or an email is required")
	}
	if c.ManagerID < 0 {
		return invalidField("manager_id", "must be a user id")
	}
	return nil
}
