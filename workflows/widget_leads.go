package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// ContactLeadsInput is getLeads.php's request: the leads of a contact of
// widgets.leads_account.
type ContactLeadsInput struct {
	ContactID int64 `json:"contact_id"`
}

// WidgetLead is one lead as the old widget listed it (same keys).
type WidgetLead struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Course      string `json:"course"`
	Price       int64  `json:"price"`
	Status      int64  `json:"status"`
	StatusName  string `json:"sname"`
	StatusColor string `json:"scolor"`
	Pipeline    string `json:"pipe"`
	Resp        string `json:"resp"`
	RespID      int64  `json:"resp_id"`
}

// ContactLeads lists a contact's leads in widgets.leads_pipelines with their
// stage, pipeline and responsible user's names. The old widget made five
// requests per lead and named a pipeline that did not exist; this reads the
// contact, its leads (one request per 100), the pipelines and the users: 4
// requests for a usual contact. A missing contact lists nothing.
func (f *Flows) ContactLeads(ctx workflow.Context, in ContactLeadsInput) ([]WidgetLead, error) {
	s, acct, err := f.widgetSetup(ctx, func(s widgetSettings) string { return s.LeadsAccount })
	if err != nil {
		return nil, err
	}
	rctx := widgetReadOptions(ctx, acct)
	var contact activities.AmoRecord
	ref := activities.AmoRef{Account: acct.Name, Entity: "contacts", ID: in.ContactID}
	if err := workflow.ExecuteActivity(rctx, amo.ReadRecord1C, ref).Get(ctx, &contact); err != nil {
		return nil, err
	}
	if len(contact.LeadIDs) == 0 {
		return []WidgetLead{}, nil
	}
	var leads []activities.AmoRecord
	refs := activities.AmoRefs{Account: acct.Name, Entity: "leads", IDs: contact.LeadIDs}
	if err := workflow.ExecuteActivity(rctx, amo.ReadRecords1C, refs).Get(ctx, &leads); err != nil {
		return nil, err
	}
	var pipelines []activities.WidgetPipeline
	if err := workflow.ExecuteActivity(rctx, widgets.WidgetPipelines, acct.Name).Get(ctx, &pipelines); err != nil {
		return nil, err
	}
	var users []activities.AmoUser
	if err := workflow.ExecuteActivity(rctx, amo.Users1C, acct.Name).Get(ctx, &users); err != nil {
		return nil, err
	}
	return contactLeads(contact.LeadIDs, leads, pipelines, users, s.LeadsPipelines, acct.LeadFields["course"]), nil
}

// contactLeads lists the leads in the contact's order, keeping those in
// the pipelines (all when none are given); the course is the lead field
// courseField (none when 0).
func contactLeads(order []int64, leads []activities.AmoRecord, pipelines []activities.WidgetPipeline,
	users []activities.AmoUser, allowed []int64, courseField int64) []WidgetLead {
	byID := map[int64]activities.AmoRecord{}
	for _, l := range leads {
		byID[l.ID] = l
	}
	pipeName := map[int64]string{}
	stage := map[[2]int64]activities.WidgetStatus{}
	for _, p := range pipelines {
		pipeName[p.ID] = p.Name
		for _, st := range p.Statuses {
			stage[[2]int64{p.ID, st.ID}] = st
		}
	}
	userName := map[int64]string{}
	for _, u := range users {
		userName[u.ID] = u.Name
	}
	keep := map[int64]bool{}
	for _, p := range allowed {
		keep[p] = true
	}
	out := []WidgetLead{}
	for _, id := range order {
		l, ok := byID[id]
		if !ok || (len(keep) > 0 && !keep[l.PipelineID]) {
			continue
		}
		st := stage[[2]int64{l.PipelineID, l.StatusID}]
		wl := WidgetLead{ID: l.ID, Name: l.Name, Price: l.Price, Status: l.StatusID, StatusName: st.Name, StatusColor: st.Color,
			Pipeline: pipeName[l.PipelineID], Resp: userName[l.ResponsibleID], RespID: l.ResponsibleID}
		if courseField != 0 {
			wl.Course = l.Fields[courseField]
		}
		out = append(out, wl)
	}
	return out
}
