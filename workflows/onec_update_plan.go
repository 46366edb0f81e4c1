package workflows

import (
	"reflect"
	"strings"

	"amoflow/onec"
)

// The overlays of amoCRM edits onto what 1C holds (UpdateOneC). Only the
// fields amoCRM holds a value for are laid over: an empty amoCRM field
// leaves 1C's value alone, and 1C's own lists (applications, diplomas,
// groups, payments) and the other account's amo_ids entries are kept.

// overlayStudent lays a contact's client (studentFromContact) over 1C's.
func overlayStudent(have, amo onec.Student, accountID int64) onec.Student {
	out := have
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&out.Name, amo.Name)
	set(&out.Email, amo.Email)
	set(&out.Phone, amo.Phone)
	set(&out.SecondPhone, amo.SecondPhone)
	set(&out.SNILS, amo.SNILS)
	set(&out.PassIssuedBy, amo.PassIssuedBy)
	set(&out.PassDptCode, amo.PassDptCode)
	set(&out.Address, amo.Address)
	if v := strings.TrimSpace(string(amo.PassSerie)); v != "" {
		out.PassSerie = onec.Text(v)
	}
	if v := strings.TrimSpace(string(amo.PassNumber)); v != "" {
		out.PassNumber = onec.Text(v)
	}
	if !amo.DOB.IsZero() {
		out.DOB = amo.DOB
	}
	if !amo.PassIssuedAt.IsZero() {
		out.PassIssuedAt = amo.PassIssuedAt
	}
	if id := onec.AmoIDIn(amo.AmoIDs, accountID); id != 0 {
		out.AmoIDs = onec.WithAmoID(have.AmoIDs, accountID, id)
	}
	return out
}

// overlayPartner lays a company's partner (partnerFromCompany) over 1C's.
func overlayPartner(have, amo onec.Partner, accountID int64) onec.Partner {
	out := have
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&out.Name, amo.Name}, {&out.Email, amo.Email}, {&out.Phone, amo.Phone}, {&out.Signee, amo.Signee},
		{&out.OGRN, amo.OGRN}, {&out.INN, amo.INN}, {&out.AccNo, amo.AccNo}, {&out.KPP, amo.KPP},
		{&out.BIK, amo.BIK}, {&out.Address, amo.Address}, {&out.PostAddress, amo.PostAddress},
	} {
		if v := strings.TrimSpace(f.v); v != "" {
			*f.dst = v
		}
	}
	if id := onec.AmoIDIn(amo.AmoIDs, accountID); id != 0 {
		out.AmoIDs = onec.WithAmoID(have.AmoIDs, accountID, id)
	}
	return out
}

// overlayLeadEdit lays a lead's own fields over 1C's application: price,
// organization, responsible, marketing channel and source (and
// is_corporate for the corporate account). The client, product and
// partner links, the status and the payments stay 1C's, as an edit of the
// lead does not re-transfer it (Sync1COrder does).
func overlayLeadEdit(have, amo onec.Application, corporate bool) onec.Application {
	out := have
	out.Price = amo.Price
	if v := strings.TrimSpace(amo.Organization); v != "" {
		out.Organization = v
	}
	if v := strings.TrimSpace(amo.ResponsibleUser); v != "" {
		out.ResponsibleUser = v
	}
	if v := strings.TrimSpace(amo.MarketingChannel); v != "" {
		out.MarketingChannel = v
	}
	if v := strings.TrimSpace(amo.MarketingSource); v != "" {
		out.MarketingSource = v
	}
	if corporate {
		out.IsCorporate = true
	}
	if strings.TrimSpace(out.LeadStatus) == "" {
		out.LeadStatus = onec.LeadStatusInWork
	}
	return out
}

// unchanged reports whether an overlay changed nothing: then nothing is
// sent, which also ends the echo of 1C's own write coming back as an
// amoCRM edit.
func unchanged[T any](have, merged T) bool { return reflect.DeepEqual(have, merged) }
