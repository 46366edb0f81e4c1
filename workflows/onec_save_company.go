package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// SaveCompany1C is the explicit partner transfer of the webhook
// savecompany, corporate account only (docs/flows.md#savecompany1c): the
// lead's first company goes to 1C. A company holding 1C's GUID: 1C's
// partner is read, the company's values laid over it, and posted back when
// that changed it (1C has none: the job fails OneCNotFound). Without one:
// the partner is created once (ensure1C: marker, outbox) and the GUID
// written to the company, echo-marked. A lead without a company gets a
// note and nothing is sent.
//
// amoCRM calls: lead, company (+ the GUID write-back for a new partner).
// 1C calls: GET EditPartner and POST when changed, or one POST (create).
func (f *Flows) SaveCompany1C(ctx workflow.Context, ev HookEvent) (*SaveOneCResult, error) {
	return f.saveFromLead(ctx, ev, noteCompanyFail, func(s onecSettings, acct onecAccount, lead activities.AmoRecord, res *SaveOneCResult) error {
		actx := acct.amoOpts(ctx)
		if len(lead.CompanyIDs) == 0 {
			res.Status = "no_company"
			return f.note(actx, acct.Name, lead.ID, noteNoCompany)
		}
		company, err := f.read(ctx, acct, "companies", 0, lead.CompanyIDs[0])
		if err != nil {
			return err
		}
		if company.ID == 0 {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("company %d does not exist", lead.CompanyIDs[0]), activities.ErrCompanyNotFound, nil)
		}
		res.AmoIDs = []onec.AmoID{{AccountID: acct.AccountID, EntityID: company.ID}}
		amoPartner := partnerFromCompany(company, acct)
		if uid := amoPartner.CompanyID; uid.Valid() {
			res.CompanyID1C = uid
			_, found, _, err := sendOverlay(ctx, onecOptions(ctx, s), uid, oneC.OneCGetPartnerOrNil, oneC.OneCEditPartner,
				func(have onec.Partner) onec.Partner {
					out := overlayPartner(have, amoPartner, acct.AccountID)
					out.CompanyID = uid
					return out
				})
			if err == nil && !found {
				err = temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("1C has no partner %s, which company %d in %s names: correct or clear the company's 1C field", uid, company.ID, acct.Name),
					activities.ErrOneCNotFound, nil)
			}
			return err
		}
		ref := activities.AmoRef{Account: acct.Name, Entity: "companies", ID: company.ID}
		uid, err := f.ensure1C(ctx, s, acct, ref, acct.CompanyFields[keyCompanyID1C], company, func(rec activities.AmoRecord) activities.OneCCreate {
			p := partnerFromCompany(rec, acct)
			return activities.OneCCreate{Account: acct.Name, Entity: ref.Entity, ID: ref.ID, Partner: &p}
		})
		if err != nil {
			return err
		}
		res.CompanyID1C = uid
		return f.written(ctx, acct, "companies", uid, company.ID)
	})
}
