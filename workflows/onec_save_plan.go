package workflows

import (
	"strings"

	"amoflow/activities"
	"amoflow/match"
	"amoflow/onec"
)

// The pure decisions of the explicit client transfer and of the lead
// transfer's client step: which of a lead's contacts is the client, and
// which contact of the other account is the same person
// (docs/flows.md#saveclient1c).

// Notes of the client and company transfers.
const (
	noteSeveralContacts = "Ошибка переноса в 1С: в сделке больше одного контакта"
	noteOtherClient     = "Перенос клиента в 1С: в аккаунте %s контакт %d связан с другим клиентом 1С (%s); он не изменён, проверьте дубль"
	noteClientFail      = "Не удалось перенести клиента в 1С"
	noteNoCompany       = "Не удалось перенести компанию в 1С: в сделке нет компании"
	noteCompanyFail     = "Не удалось перенести компанию в 1С"
)

// clientPlan is what the client step does with a lead's contacts.
type clientPlan struct {
	// Source is the contact the client is built from.
	Source activities.AmoRecord
	// GUID is 1C's client a contact already names; empty: create one.
	GUID onec.GUID
	// Several: the contacts name no single person (more than one contact
	// and no GUID, or contacts naming different 1C clients). Nothing is
	// sent; the lead gets a note.
	Several bool
}

// planClient picks the client among a lead's contacts (in the lead's
// order, main first): a contact holding 1C's GUID names the client (the
// first such contact is the source); without one, the lead's only contact
// is a new client. Two contacts without a GUID, or two different GUIDs,
// are not guessed between.
func planClient(contacts []activities.AmoRecord, guidField int64) clientPlan {
	var p clientPlan
	for _, c := range contacts {
		g := onec.GUID(strings.TrimSpace(c.Fields[guidField]))
		if guidField == 0 || !g.Valid() {
			continue
		}
		switch {
		case !p.GUID.Valid():
			p.Source, p.GUID = c, g
		case !p.GUID.Equal(g):
			return clientPlan{Several: true}
		}
	}
	if p.GUID.Valid() {
		return p
	}
	if len(contacts) != 1 {
		return clientPlan{Several: len(contacts) > 1}
	}
	return clientPlan{Source: contacts[0]}
}

// otherPick is the person's contact found in another account.
type otherPick struct {
	// Contact is the contact to link (zero: none to link).
	Contact activities.AmoRecord
	// GUID is the 1C client the contact already holds, if any.
	GUID onec.GUID
	// Conflict is a contact of the person holding another 1C client than
	// want: it is left alone and noted, never overwritten.
	Conflict activities.AmoRecord
}

// pickOther chooses among another account's search hits the contact of
// the person with phone ph or e-mail email (each hit verified: the search
// is fuzzy). With want (the client's GUID) a hit holding want comes first,
// then a hit holding no GUID; a hit holding another GUID is a conflict.
// Without want, a hit holding any GUID comes first (the person is a 1C
// client already: that client is used), then one holding none. Among equals
// the newest wins.
func pickOther(hits []activities.AmoRecord, ph, email string, guidField int64, want onec.GUID) otherPick {
	var same, bare, other []activities.AmoRecord
	for _, h := range hits {
		if !match.PhoneOrEmail(h.Phones, h.Emails, ph, email) {
			continue
		}
		g := onec.GUID(strings.TrimSpace(h.Fields[guidField]))
		switch {
		case guidField == 0 || !g.Valid():
			bare = append(bare, h)
		case !want.Valid() || want.Equal(g):
			same = append(same, h)
		default:
			other = append(other, h)
		}
	}
	if c, ok := verifiedHit(same, ph, email); ok {
		return otherPick{Contact: c, GUID: onec.GUID(strings.TrimSpace(c.Fields[guidField]))}
	}
	if c, ok := verifiedHit(bare, ph, email); ok {
		return otherPick{Contact: c}
	}
	if c, ok := verifiedHit(other, ph, email); ok {
		return otherPick{Conflict: c}
	}
	return otherPick{}
}

// otherAccounts are the person accounts other than the lead's own.
func otherAccounts(s onecSettings, own string) []string {
	var out []string
	for _, n := range personAccounts(s) {
		if n != own {
			out = append(out, n)
		}
	}
	return out
}
