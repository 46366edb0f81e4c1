package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// OrderFrom1CInput is an application 1C sends (docs/flows.md#orderfrom1c).
// UpdateOnly (PATCH) updates the lead it finds and creates none.
type OrderFrom1CInput struct {
	Application onec.Application `json:"application"`
	UpdateOnly  bool             `json:"update_only,omitempty"`
}

// OrderResult is what a finished OrderFrom1C reports.
type OrderResult struct {
	AmoIDs  []onec.AmoID `json:"amo_ids"`
	Account string       `json:"account,omitempty"`
	LeadID  int64        `json:"lead_id,omitempty"`
	Created bool         `json:"created,omitempty"`
}

// OrderFrom1C writes a 1C application onto its lead, in the account the
// order belongs to (orderAccount: corporate when is_corporate): the lead
// listed in amo_ids for that account (the matching entry, not the first),
// else the lead linked to the GUID. It sets the price, the responsible
// (the user named responsible_user, else author), lead_id_1C, the
// organization and the marketing fields.
//
// Without such a lead (and not UpdateOnly) it creates one in the account's
// intake stage, with the client's contact, the company for a corporate
// order, and the course linked; a client, partner or course amoCRM lacks
// is read from 1C and written first (ClientFrom1C, CompanyFrom1C and
// CourseFrom1C as child workflows).
func (f *Flows) OrderFrom1C(ctx workflow.Context, in OrderFrom1CInput) (*OrderResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	app := in.Application
	if !app.LeadID.Valid() {
		return nil, temporal.NewNonRetryableApplicationError("an application needs lead_id_1C", activities.ErrBadApplication, nil)
	}
	acct, err := s.account(orderAccount(app, s))
	if err != nil {
		return nil, err
	}
	res := &OrderResult{Account: acct.Name, AmoIDs: app.AmoIDs}
	if res.AmoIDs == nil {
		res.AmoIDs = []onec.AmoID{}
	}
	lead, err := f.read(ctx, acct, "leads", 0, onec.AmoIDIn(app.AmoIDs, acct.AccountID))
	if err != nil {
		return nil, err
	}
	if lead.ID == 0 {
		if lead, err = f.recall(ctx, acct, "leads", 0, app.LeadID); err != nil {
			return nil, err
		}
	}
	if lead.ID == 0 && in.UpdateOnly {
		return res, nil
	}
	tagLead(ctx, s.SearchAttributes, lead.ID)

	users, err := f.users(ctx, acct)
	if err != nil {
		return nil, err
	}
	w := activities.AmoWrite{Entity: "leads", ID: lead.ID, Price: app.Price.Int(),
		ResponsibleID: userByName(users, app.ResponsibleUser, app.Author), Fields: orderFields(app, acct)}
	var course *activities.AmoLinkTo
	if lead.ID == 0 {
		parts, err := f.orderParts(ctx, s, acct, app)
		if err != nil {
			return nil, err
		}
		w.Name, w.PipelineID, w.StatusID = parts.name, acct.Intake.PipelineID, acct.Intake.StatusID
		if w.Name == "" {
			w.Name = acct.LeadName
		}
		if w.ResponsibleID == 0 {
			w.ResponsibleID = acct.DefaultResponsible
		}
		if parts.contact != 0 {
			w.ContactIDs = []int64{parts.contact}
		}
		w.CompanyID, course = parts.company, parts.course
		w.Probe = activities.AmoProbe{Query: string(app.LeadID), FieldID: acct.LeadFields[keyLeadID1C], Value: string(app.LeadID)}
		res.Created = true
	}
	id, err := f.write(ctx, acct, w)
	if err != nil {
		return nil, err
	}
	tagLead(ctx, s.SearchAttributes, id)
	if course != nil {
		link := activities.AmoLinks{Account: acct.Name, Entity: "leads", ID: id, Links: []activities.AmoLinkTo{*course}}
		if err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Link1C, link).Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	if err := f.written(ctx, acct, "leads", app.LeadID, id); err != nil {
		return nil, err
	}
	res.LeadID = id
	res.AmoIDs = onec.WithAmoID(res.AmoIDs, acct.AccountID, id)
	return res, nil
}

// orderFields are the lead fields an application sets; empty ones are skipped.
func orderFields(app onec.Application, acct onecAccount) map[int64]string {
	out := map[int64]string{}
	for key, v := range map[string]string{
		keyLeadID1C:     string(app.LeadID),
		keyOrganization: orgForAmo(app.Organization),
		keyLeadType:     truncate(app.MarketingChannel, 255),
		keyLeadSource:   truncate(app.MarketingSource, 255),
	} {
		if id := acct.LeadFields[key]; id != 0 && strings.TrimSpace(v) != "" {
			out[id] = strings.TrimSpace(v)
		}
	}
	return out
}

// orderParts is what a new order lead is made of.
type orderParts struct {
	name             string
	contact, company int64
	course           *activities.AmoLinkTo
}

// orderParts finds the client's contact, the partner's company (corporate
// orders) and the course's element in the account, writing from 1C
// whatever amoCRM does not have yet.
func (f *Flows) orderParts(ctx workflow.Context, s onecSettings, acct onecAccount, app onec.Application) (orderParts, error) {
	var p orderParts
	if app.ClientID.Valid() {
		rec, err := f.recall(ctx, acct, "contacts", 0, app.ClientID)
		if err != nil {
			return p, err
		}
		if p.contact = rec.ID; p.contact == 0 {
			var st onec.Student
			if err := workflow.ExecuteActivity(onecOptions(ctx, s), oneC.OneCGetStudent, app.ClientID).Get(ctx, &st); err != nil {
				return p, err
			}
			var ids AmoIDsResult
			if err := workflow.ExecuteChildWorkflow(childOptions(ctx, orderClientID(string(app.LeadID), string(app.ClientID))), ClientFrom1CName, ClientFrom1CInput{Client: st}).Get(ctx, &ids); err != nil {
				return p, err
			}
			p.contact = onec.AmoIDIn(ids.AmoIDs, acct.AccountID)
		}
	}
	if app.IsCorporate && app.CompanyID.Valid() {
		rec, err := f.recall(ctx, acct, "companies", 0, app.CompanyID)
		if err != nil {
			return p, err
		}
		if p.company = rec.ID; p.company == 0 {
			var partner onec.Partner
			if err := workflow.ExecuteActivity(onecOptions(ctx, s), oneC.OneCGetPartner, app.CompanyID).Get(ctx, &partner); err != nil {
				return p, err
			}
			var ids AmoIDsResult
			if err := workflow.ExecuteChildWorkflow(childOptions(ctx, orderCompanyID(string(app.LeadID), string(app.CompanyID))), CompanyFrom1CName, CompanyFrom1CInput{Partner: partner}).Get(ctx, &ids); err != nil {
				return p, err
			}
			p.company = onec.AmoIDIn(ids.AmoIDs, acct.AccountID)
		}
	}
	if app.ProductID.Valid() && acct.CatalogID != 0 {
		el, err := f.findCourse(ctx, acct, app.ProductID, 0)
		if err != nil {
			return p, err
		}
		p.name = el.Name
		if el.ID == 0 {
			var course onec.Course
			if err := workflow.ExecuteActivity(onecOptions(ctx, s), oneC.OneCGetCourse, app.ProductID).Get(ctx, &course); err != nil {
				return p, err
			}
			var ids AmoIDsResult
			if err := workflow.ExecuteChildWorkflow(childOptions(ctx, orderCourseID(string(app.LeadID), string(app.ProductID))), CourseFrom1CName, CourseFrom1CInput{Course: course}).Get(ctx, &ids); err != nil {
				return p, err
			}
			el.ID, p.name = onec.AmoIDIn(ids.AmoIDs, acct.AccountID), CourseName(course.Name, course.ShortName)
		}
		if el.ID != 0 {
			p.course = &activities.AmoLinkTo{Entity: "catalog_elements", ID: el.ID, CatalogID: acct.CatalogID, Quantity: 1}
		}
	}
	if p.contact == 0 {
		return p, temporal.NewNonRetryableApplicationError(fmt.Sprintf("client %s has no contact in %s", app.ClientID, acct.Name), activities.ErrClientNotFound, nil)
	}
	return p, nil
}
