package workflows

import (
	"cmp"
	"slices"

	"amoflow/activities"
	"amoflow/match"
)

// The payment forms (conferencepaid, retailpaid): the site's payment page
// posts phone, email (and for retailpaid price) as a flat form
// (docs/flows.md#conferencepaid, docs/flows.md#retailpaid).

// paymentNote is retailpaid's note on each contact of the payer.
func paymentNote(price, ph, email string) string {
	return "Поступила оплата в размере " + price + " от контакта " + ph + ", " + email
}

// payerContacts keeps the search hits that really are the payer (amoCRM's
// search is fuzzy), each contact once, in ascending id order.
func payerContacts(hits []activities.Contact, ph, email string) []activities.Contact {
	var out []activities.Contact
	for _, c := range hits {
		if !match.PhoneOrEmail(c.Phones, c.Emails, ph, email) {
			continue
		}
		if !slices.ContainsFunc(out, func(x activities.Contact) bool { return x.ID == c.ID }) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y activities.Contact) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// conferenceLead picks the lead conferencepaid moves: the oldest lead
// (lowest id) of the payer in the conference pipeline waiting for
// payment. The predecessor took the first of an unordered bulk read.
func conferenceLead(leads []activities.Lead, pipeline, unpaid int64) (activities.Lead, bool) {
	var best activities.Lead
	for _, l := range leads {
		if l.PipelineID == pipeline && l.StatusID == unpaid && (best.ID == 0 || l.ID < best.ID) {
			best = l
		}
	}
	return best, best.ID != 0
}

// payerCompanies keeps the company hits that really have the payer's
// phone or email, each once, in ascending id order.
func payerCompanies(hits []activities.CompanyCard, ph, email string) []activities.CompanyCard {
	var out []activities.CompanyCard
	for _, c := range hits {
		phones, emails := fieldTexts(c.Values, "PHONE"), fieldTexts(c.Values, "EMAIL")
		if !match.PhoneOrEmail(phones, emails, ph, email) {
			continue
		}
		if !slices.ContainsFunc(out, func(x activities.CompanyCard) bool { return x.ID == c.ID }) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y activities.CompanyCard) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// fieldTexts are the values of the field with code (PHONE, EMAIL) as text.
func fieldTexts(values []activities.FieldValues, code string) []string {
	var out []string
	for _, f := range values {
		if f.Code != code {
			continue
		}
		for _, v := range f.Values {
			out = append(out, v.Text())
		}
	}
	return out
}
