package workflows

import (
	"strings"

	"amoflow/onec"
)

// Overlaying amoCRM onto what 1C holds. 1C owns an object once it exists:
// the application's status and payments, the client's documents it keeps
// that amoCRM has no field for, its applications and groups. amoflow only
// overlays the fields amoCRM owns, so a re-transfer or an edit in amoCRM
// never resets what 1C did meanwhile (docs/flows.md#sync1corder).

// overlayApplication is the application to send when 1C already holds
// have: have's status (ВРаботе when it has none), payments and author are
// kept; amoCRM's lead owns the rest (client, product, partner,
// organization, price, responsible, marketing fields). The account's
// amo_ids entry is set, the other accounts' entries kept.
func overlayApplication(have, amo onec.Application, accountID int64) onec.Application {
	out := amo
	out.LeadID = have.LeadID
	if !out.LeadID.Valid() {
		out.LeadID = amo.LeadID
	}
	out.LeadStatus = strings.TrimSpace(have.LeadStatus)
	if out.LeadStatus == "" {
		out.LeadStatus = onec.LeadStatusInWork
	}
	out.Payments = have.Payments
	if a := strings.TrimSpace(have.Author); a != "" {
		out.Author = a
	}
	out.AmoIDs = onec.WithAmoID(have.AmoIDs, accountID, onec.AmoIDIn(amo.AmoIDs, accountID))
	return out
}
