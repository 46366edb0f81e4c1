package workflows

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"amoflow/activities"
	"amoflow/amowebhook"
	"amoflow/match"
	"amoflow/phone"
)

// The payment forms (conferencepaid, retailpaid): the site's payment page
// posts phone, email (and for retailpaid price) as a flat form
// (docs/flows.md#conferencepaid, docs/flows.md#retailpaid).

// paymentForm reads a payment form. A value the predecessor took as
// missing ("", "undefined") is missing; a phone that is no number or an
// email that is no address is ignored; at least one must remain. price
// (withPrice) must be a non-negative amount ("1500", "1500.50", "1 500,50"):
// the predecessor wrote 0 for an amount it could not read.
func paymentForm(withPrice bool) func(amowebhook.Delivery) (string, map[string]string, error) {
	return func(d amowebhook.Delivery) (string, map[string]string, error) {
		ph := phone.Normalize(formValue(d.Fields["phone"]))
		email := strings.ToLower(strings.ReplaceAll(formValue(d.Fields["email"]), " ", ""))
		if !strings.Contains(email, "@") {
			email = ""
		}
		if ph == "" && email == "" {
			return "", nil, fieldError{"phone", "a phone number or an email address (email) of the payer is required"}
		}
		params := map[string]string{"phone": ph, "email": email}
		if withPrice {
			price, ok := paymentAmount(d.Fields["price"])
			if !ok {
				return "", nil, fieldError{"price", "required, the amount paid (digits, optionally with kopecks)"}
			}
			params["price"] = price
		}
		return "pay" + Digest(ph, email, params["price"]), params, nil
	}
}

// formValue is a form value, with the site's "undefined" for none.
func formValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "undefined" {
		return ""
	}
	return v
}

// paymentAmount reads an amount as the note shows it: whole roubles
// without a fraction, else with two decimals.
func paymentAmount(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(formValue(s))
	if s == "" {
		return "", false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x > 1e12 {
		return "", false
	}
	if x == float64(int64(x)) {
		return strconv.FormatInt(int64(x), 10), true
	}
	return strconv.FormatFloat(x, 'f', 2, 64), true
}

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
