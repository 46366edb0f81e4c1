package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// Notes and task of the amoCRM → 1C transfer (docs/flows.md#sync1corder, docs/flows.md#sync1corder).
const (
	noteNoProducts   = "Не удалось перенести сделку: отсутствуют товары!"
	noteTransferred  = "Сделка перенесена в 1С: %s"
	noteTransferFail = "Не удалось перенести сделку в 1С"
	taskTransferFail = "Ошибка при переносе в 1с"
)

// Sync1COrderResult is what a finished Sync1COrder reports.
type Sync1COrderResult struct {
	Account string `json:"account"`
	LeadID  int64  `json:"lead_id"`
	// Status: transferred, no_products (nothing sent), echo (the lead was
	// just written by 1C itself: nothing sent).
	Status      string    `json:"status"`
	LeadID1C    onec.GUID `json:"lead_id_1C,omitempty"`
	ClientID1C  onec.GUID `json:"client_id_1C,omitempty"`
	CompanyID1C onec.GUID `json:"company_id_1C,omitempty"`
	ProductID1C onec.GUID `json:"product_id_1C,omitempty"`
}

// Sync1COrder transfers a lead to 1C (docs/flows.md#sync1corder with the
// defects fixed): the client (saveClient's cross-account rule: EditStudent,
// client_id_1C written to the person's contact in every account), the partner for a lead with a company (EditPartner, the
// GUID written back through the lead's own account) and the application
// (EditApplication, lead_id_1C written back; an update when the lead has
// one), then the note "Сделка перенесена в 1С". A retail lead needs a
// product.
//
// Every create is guarded by its amoCRM marker, read before each attempt,
// so a replay or a re-run never creates a second client or application.
// When 1C keeps failing (onec.retry_for), the lead gets one note and the
// configured admin one task, and the workflow fails: nothing is dropped
// silently.
//
// amoCRM calls, new client without a company: lead, product, user,
// contact, 2 write-backs, note = 7, and the client step's in the other
// account (saveClient). 1C calls: EditStudent, EditApplication.
func (f *Flows) Sync1COrder(ctx workflow.Context, in Sync1COrderInput) (*Sync1COrderResult, error) {
	s, acct, lead, echo, err := f.leadFor1C(ctx, in.Account, in.LeadID)
	if err != nil {
		return nil, err
	}
	res := &Sync1COrderResult{Account: acct.Name, LeadID: in.LeadID}
	if echo {
		res.Status = "echo"
		return res, nil
	}
	actx := acct.amoOpts(ctx)
	product := productLink(lead, acct)
	if product == nil && acct.OneC.RequireProduct {
		if err := f.note(actx, acct.Name, in.LeadID, noteNoProducts); err != nil {
			return nil, err
		}
		res.Status = "no_products"
		return res, nil
	}

	if err := f.transfer(ctx, s, acct, lead, product, res); err != nil {
		f.reportFailure(ctx, acct, in.LeadID, noteTransferFail, taskTransferFail)
		return nil, err
	}
	if res.Status == "" {
		res.Status = "transferred"
	}
	return res, nil
}

// leadFor1C starts a transfer of a lead to 1C: the settings, the account,
// the echo check (echo: a 1C flow just wrote the lead, so nothing is to be
// sent and the lead is not read), then the lead (gone: LeadNotFound).
func (f *Flows) leadFor1C(ctx workflow.Context, account string, leadID int64) (s onecSettings, acct onecAccount, lead activities.AmoRecord, echo bool, err error) {
	if s, err = f.onecSettings(ctx); err != nil {
		return
	}
	if acct, err = s.account(account); err != nil {
		return
	}
	tagLead(ctx, s.SearchAttributes, leadID)
	if err = workflow.ExecuteActivity(storeOptions(ctx), oneC.IsEcho,
		activities.EchoInput{Account: acct.Name, Entity: "leads", IDs: []int64{leadID}}).Get(ctx, &echo); err != nil || echo {
		return
	}
	if lead, err = f.read(ctx, acct, "leads", 0, leadID); err == nil && lead.ID == 0 {
		err = temporal.NewNonRetryableApplicationError(fmt.Sprintf("lead %d does not exist in %s", leadID, acct.Name), activities.ErrLeadNotFound, nil)
	}
	return
}

// transfer sends the client, the partner and the application.
func (f *Flows) transfer(ctx workflow.Context, s onecSettings, acct onecAccount, lead activities.AmoRecord, product *activities.AmoLinkTo, res *Sync1COrderResult) error {
	actx := acct.amoOpts(ctx)
	if product != nil {
		var el activities.AmoRecord
		ref := activities.AmoRef{Account: acct.Name, Entity: "catalog_elements", CatalogID: product.CatalogID, ID: product.ID}
		if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, ref).Get(ctx, &el); err != nil {
			return err
		}
		res.ProductID1C = onec.GUID(field(el, acct.CatalogFields, keyProductID1C))
		if !res.ProductID1C.Valid() {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("product %d has no 1C id", product.ID), activities.ErrProductWithout1CID, nil)
		}
	}
	if len(lead.ContactIDs) == 0 {
		return temporal.NewNonRetryableApplicationError("the lead has no contact", activities.ErrLeadWithoutContact, nil)
	}
	var responsible string
	if err := workflow.ExecuteActivity(actx, amo.UserName1C, activities.AmoRef{Account: acct.Name, ID: lead.ResponsibleID}).Get(ctx, &responsible); err != nil {
		return err
	}

	// The client: since clientRuleChange under the cross-account rule
	// (saveClient); several people on the lead are a note, nothing sent.
	var client onec.GUID
	var err error
	if workflow.GetVersion(ctx, clientRuleChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		if client, err = f.firstContactClient(ctx, s, acct, lead); err != nil {
			return err
		}
	} else {
		c, err := f.saveClient(ctx, s, acct, lead)
		if err != nil {
			return err
		}
		if c.Several {
			res.Status = "several_contacts"
			return nil
		}
		client = c.GUID
	}
	res.ClientID1C = client

	// The partner, for a lead with a company; else the client stands in.
	company, corporate := client, false
	if len(lead.CompanyIDs) > 0 {
		corporate = true
		ref := activities.AmoRef{Account: acct.Name, Entity: "companies", ID: lead.CompanyIDs[0]}
		var rec activities.AmoRecord
		if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, ref).Get(ctx, &rec); err != nil {
			return err
		}
		if rec.ID == 0 {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("company %d does not exist", ref.ID), activities.ErrCompanyNotFound, nil)
		}
		company, err = f.ensure1C(ctx, s, acct, ref, acct.CompanyFields[keyCompanyID1C], rec,
			func(rec activities.AmoRecord) activities.OneCCreate {
				p := partnerFromCompany(rec, acct)
				return activities.OneCCreate{Account: acct.Name, Entity: ref.Entity, ID: ref.ID, Partner: &p}
			})
		if err != nil {
			return err
		}
		res.CompanyID1C = company
	}

	// The application: updated when the lead has one already (its price,
	// responsible or product may have changed), else created once.
	newApp := func(rec activities.AmoRecord) activities.OneCCreate {
		app := applicationFor(rec, acct, client, res.ProductID1C, company, corporate, responsible)
		return activities.OneCCreate{Account: acct.Name, Entity: "leads", ID: rec.ID, Application: &app}
	}
	var app onec.GUID
	if uid := onec.GUID(field(lead, acct.LeadFields, keyLeadID1C)); uid.Valid() {
		if workflow.GetVersion(ctx, retransferChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			if err := editFuture(onecOptions(ctx, s), newApp(lead)).Get(ctx, &app); err != nil {
				return err
			}
		} else if app, err = f.updateApplication(ctx, s, acct, uid,
			applicationFor(lead, acct, client, res.ProductID1C, company, corporate, responsible)); err != nil {
			return err
		}
	} else {
		leadRef := activities.AmoRef{Account: acct.Name, Entity: "leads", ID: lead.ID}
		if app, err = f.ensure1C(ctx, s, acct, leadRef, acct.LeadFields[keyLeadID1C], lead, newApp); err != nil {
			return err
		}
	}
	res.LeadID1C = app
	return f.note(actx, acct.Name, lead.ID, fmt.Sprintf(noteTransferred, app))
}

// ensure1C returns the 1C GUID held in the entity's marker field, creating
// the 1C object and writing its GUID back when there is none. A failed
// create is retried with backoff for RetryFor, and before each retry the
// marker is read again: whatever set it meanwhile (an earlier run, another
// job) wins, and 1C gets no second object. Since onecCreateChange every
// create goes through the outbox (createOnce): a create whose answer was
// lost is not sent again, and an operator settles it. An existing client
// or partner is not updated here: 1C owns it once created.
func (f *Flows) ensure1C(ctx workflow.Context, s onecSettings, acct onecAccount, ref activities.AmoRef, fieldID int64,
	rec activities.AmoRecord, build func(activities.AmoRecord) activities.OneCCreate) (onec.GUID, error) {
	if fieldID == 0 {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("no 1C id field configured for %s in %s", ref.Entity, acct.Name), activities.ErrConfig, nil)
	}
	if id := onec.GUID(rec.Fields[fieldID]); id.Valid() {
		return id, nil
	}
	if workflow.GetVersion(ctx, onecCreateChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return f.createRetrying(ctx, s, acct, ref, fieldID, rec, func(rec activities.AmoRecord) (id onec.GUID, again bool, err error) {
			err = editFuture(onceOptions(ctx, s), build(rec)).Get(ctx, &id)
			return id, false, err
		})
	}
	var id onec.GUID
	err := withLeases(ctx, leaseKeys(acct.Name, createKey(ref)), func() (err error) {
		id, err = f.createOnce(ctx, s, acct, ref, fieldID, rec, build)
		return err
	})
	return id, err
}

// createRetrying runs create until it gives a GUID, which is written into
// the marker field. A retryable failure is retried with backoff for
// RetryFor; again asks for the next attempt at once. Before every attempt
// but the first the marker is re-read: a GUID there ends it.
func (f *Flows) createRetrying(ctx workflow.Context, s onecSettings, acct onecAccount, ref activities.AmoRef, fieldID int64,
	rec activities.AmoRecord, create func(activities.AmoRecord) (id onec.GUID, again bool, err error)) (onec.GUID, error) {
	actx := acct.amoOpts(ctx)
	deadline := workflow.Now(ctx).Add(s.RetryFor)
	wait := time.Second
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, ref).Get(ctx, &rec); err != nil {
				return "", err
			}
			if id := onec.GUID(rec.Fields[fieldID]); id.Valid() {
				return id, nil
			}
		}
		id, again, err := create(rec)
		if err == nil && again {
			continue
		}
		if err == nil {
			return id, f.created(ctx, acct, ref, fieldID, id)
		}
		if permanent(err) || !workflow.Now(ctx).Add(wait).Before(deadline) {
			return "", err
		}
		workflow.GetLogger(ctx).Warn("1C create failed, retrying", "entity", ref.Entity, "id", ref.ID, "attempt", attempt, "err", err)
		if err := workflow.Sleep(ctx, wait); err != nil {
			return "", err
		}
		wait = min(2*wait, time.Minute)
	}
}

// created writes a new object's GUID into the entity's marker field and
// links them in Postgres.
func (f *Flows) created(ctx workflow.Context, acct onecAccount, ref activities.AmoRef, fieldID int64, id onec.GUID) error {
	w := activities.AmoWrite{Account: acct.Name, Entity: ref.Entity, ID: ref.ID, Fields: map[int64]string{fieldID: string(id)}}
	if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Write1C, w).Get(ctx, nil); err != nil {
		return err
	}
	link := activities.OneCLink{Account: acct.Name, Entity: ref.Entity, GUID: id, ID: ref.ID}
	return workflow.ExecuteActivity(storeOptions(ctx), oneC.RememberOneC, link).Get(ctx, nil)
}

// productLink is the lead's first product of the account's catalog.
func productLink(lead activities.AmoRecord, acct onecAccount) *activities.AmoLinkTo {
	i := slices.IndexFunc(lead.Elements, func(e activities.AmoLinkTo) bool {
		return e.CatalogID == acct.CatalogID || e.CatalogID == 0
	})
	if i < 0 {
		return nil
	}
	p := lead.Elements[i]
	if p.CatalogID == 0 {
		p.CatalogID = acct.CatalogID
	}
	return &p
}

// note adds a common note to a lead.
func (f *Flows) note(actx workflow.Context, account string, leadID int64, text string) error {
	return workflow.ExecuteActivity(actx, amo.AddNote, activities.NoteInput{Account: account, Entity: "leads", EntityID: leadID, Text: text}).Get(actx, nil)
}

// reportFailure puts one note on the lead and one task for the account's
// 1C administrator. It runs even when the workflow is being cancelled, and
// its own failures are only logged: the workflow fails with the original
// error either way.
func (f *Flows) reportFailure(ctx workflow.Context, acct onecAccount, leadID int64, note, task string) {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	actx := acct.amoOpts(ctx)
	log := workflow.GetLogger(ctx)
	if err := f.note(actx, acct.Name, leadID, note); err != nil {
		log.Error("failure note not added", "lead_id", leadID, "err", err)
	}
	t := activities.AdminTaskInput{Account: acct.Name, Entity: "leads", EntityID: leadID, TypeID: acct.OneC.TaskTypeID,
		ResponsibleID: acct.OneC.TaskResponsible, Text: task, CompleteTill: dueTomorrow(workflow.Now(ctx), acct.OneC.TaskDueHour)}
	if err := workflow.ExecuteActivity(actx, amo.AdminTask1C, t).Get(ctx, nil); err != nil {
		log.Error("failure task not set", "lead_id", leadID, "err", err)
	}
}

// firstContactClient is the client step before clientRuleChange: the
// lead's first contact's GUID, or a client created from it.
func (f *Flows) firstContactClient(ctx workflow.Context, s onecSettings, acct onecAccount, lead activities.AmoRecord) (onec.GUID, error) {
	actx := acct.amoOpts(ctx)
	contactRef := activities.AmoRef{Account: acct.Name, Entity: "contacts", ID: lead.ContactIDs[0]}
	var contact activities.AmoRecord
	if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, contactRef).Get(ctx, &contact); err != nil {
		return "", err
	}
	if contact.ID == 0 {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("contact %d does not exist", contactRef.ID), activities.ErrContactNotFound, nil)
	}
	return f.ensure1C(ctx, s, acct, contactRef, acct.ContactFields[keyClientID1C], contact,
		func(rec activities.AmoRecord) activities.OneCCreate {
			st := studentFromContact(rec, acct)
			return activities.OneCCreate{Account: acct.Name, Entity: contactRef.Entity, ID: contactRef.ID, Student: &st}
		})
}
