package workflows

import (
	"strings"

	"amoflow/activities"
	"amoflow/egrul"
)

// companyRegisterKeys are the company_fields the register fills, in order.
var companyRegisterKeys = []string{"ogrn", "kpp", "email", "address"}

// companyRegisterFields maps those keys to the account's field ids.
type companyRegisterFields map[string]int64

// companyFill plans the update of a company from its register record: each
// empty field gets the register's value, and the name becomes the short
// name when the register has one. filled lists what changes ("name" and
// the field keys); none means nothing to write.
func companyFill(rec activities.AmoRecord, co egrul.Company, ids companyRegisterFields) (activities.AmoWrite, []string) {
	w := activities.AmoWrite{Entity: "companies", ID: rec.ID}
	var filled []string
	if name := strings.TrimSpace(co.ShortName); name != "" && name != strings.TrimSpace(rec.Name) {
		w.Name = name
		filled = append(filled, "name")
	}
	values := map[string]string{"ogrn": co.OGRN, "kpp": co.KPP, "email": co.Email, "address": co.Address}
	for _, key := range companyRegisterKeys {
		id, v := ids[key], strings.TrimSpace(values[key])
		if id == 0 || v == "" || strings.TrimSpace(rec.Fields[id]) != "" {
			continue
		}
		if key == "email" { // the standard EMAIL field: written by its code, as every flow does
			if len(rec.Emails) > 0 {
				continue
			}
			w.Emails = []string{strings.ToLower(v)}
			filled = append(filled, key)
			continue
		}
		if w.Fields == nil {
			w.Fields = map[int64]string{}
		}
		w.Fields[id] = v
		filled = append(filled, key)
	}
	return w, filled
}
