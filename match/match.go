// Package match holds the pure rule that says whether a person found in
// amoCRM is the one asked for. Activities check a fuzzy search hit with it;
// workflows decide with it; neither owns it, so it lives apart from both.
package match

import (
	"strings"

	"amoflow/phone"
)

// PhoneOrEmail reports whether phones or emails (as stored in amoCRM) hold
// the number ph (a phone.Normalize result) or the address email. amoCRM's
// query search is fuzzy: every hit is checked with this first.
func PhoneOrEmail(phones, emails []string, ph, email string) bool {
	for _, p := range phones {
		if ph != "" && phone.Same(p, ph) {
			return true
		}
	}
	for _, e := range emails {
		if email != "" && strings.EqualFold(strings.TrimSpace(e), strings.TrimSpace(email)) {
			return true
		}
	}
	return false
}
