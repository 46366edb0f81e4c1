package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/config"
)

// DashboardInput is a /amo/vidgets/{name}.php request: a configured
// dashboard over the leads created from From to To (YYYY-MM-DD, Moscow
// days, both included), checked by the starter.
type DashboardInput struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// DashboardResult is a dashboard's figures.
type DashboardResult struct {
	Name  string         `json:"name"`
	Title string         `json:"title"`
	Kind  string         `json:"kind"`
	From  string         `json:"from"`
	To    string         `json:"to"`
	Good  float64        `json:"good,omitempty"`
	Rows  []DashboardRow `json:"rows,omitempty"`
	Total DashboardRow   `json:"total"`
	Leads int            `json:"leads"` // leads read
}

// dashboardMaxPages bounds one dashboard to 100 pages (25 000 leads).
const dashboardMaxPages = 100

// Dashboard computes one of widgets.dashboards from the leads created in
// the range, read a page (250 leads) per request on the account's queue,
// plus one request for the users' names when it has a row per user. The
// starter reuses a finished job for widgets.dashboard_ttl, so a dashboard
// open on many screens reads amoCRM once per range and period.
func (f *Flows) Dashboard(ctx workflow.Context, in DashboardInput) (*DashboardResult, error) {
	s, acct, err := f.widgetSetup(ctx, func(s widgetSettings) string { return s.Dashboards[in.Name].Account })
	d, ok := s.Dashboards[in.Name]
	if !ok { // checked before the account, which an unknown dashboard does not name
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("widgets.dashboards.%s is not configured", in.Name), activities.ErrConfigMissing, nil)
	}
	if err != nil {
		return nil, err
	}
	from, to, err := dashboardRange(in.From, in.To)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrBadDashboard, nil)
	}
	rctx := widgetReadOptions(ctx, acct)
	res := &DashboardResult{Name: in.Name, Title: d.Title, Kind: d.Kind, From: in.From, To: in.To, Good: d.Good}
	if d.Kind == config.DashboardPaid {
		return res, paidDashboard(ctx, rctx, acct.Name, d, from, to, res)
	}
	tally := newDashboardTally(d)
	q := activities.LeadsPageInput{Account: acct.Name, Pipelines: d.Pipelines, CreatedFrom: from, CreatedTo: to}
	if d.Kind == config.DashboardActive { // the leads worked on in the range
		q.CreatedFrom, q.CreatedTo, q.UpdatedFrom, q.UpdatedTo = 0, 0, from, to
	}
	if d.SkipLossField != 0 {
		q.Fields = []int64{d.SkipLossField}
	}
	for q.Page = 1; ; q.Page++ {
		if q.Page > dashboardMaxPages {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("more than %d leads in the range: choose a shorter one", dashboardMaxPages*250), activities.ErrBadDashboard, nil)
		}
		var page activities.LeadsPage
		if err := workflow.ExecuteActivity(rctx, widgets.WidgetLeadsPage, q).Get(ctx, &page); err != nil {
			return nil, err
		}
		for _, l := range page.Leads {
			tally.add(l)
		}
		res.Leads += len(page.Leads)
		if !page.More {
			break
		}
	}
	names := map[int64]string{}
	if len(d.Users) > 0 {
		var users []activities.AmoUser
		if err := workflow.ExecuteActivity(rctx, amo.Users1C, acct.Name).Get(ctx, &users); err != nil {
			return nil, err
		}
		for _, u := range users {
			names[u.ID] = u.Name
		}
	}
	res.Rows, res.Total = tally.result(names, "Всего")
	return res, nil
}

// paidIDsPerRead bounds the lead ids of one read (the URL's length).
const paidIDsPerRead = 100

// paidDashboard fills res for a paid dashboard: the leads that entered a
// paid stage in the range (a page of 100 events per request), then those
// leads (one request per 100), counted by paidTally.
func paidDashboard(ctx, rctx workflow.Context, account string, d config.Dashboard, from, to int64, res *DashboardResult) error {
	var ids []int64
	seen := map[int64]bool{}
	in := activities.StageEntriesInput{Account: account, Stages: dashboardStages(d), From: from, To: to}
	for in.Page = 1; ; in.Page++ {
		if in.Page > dashboardMaxPages {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("more than %d stage changes in the range: choose a shorter one", dashboardMaxPages*100), activities.ErrBadDashboard, nil)
		}
		var page activities.StageEntries
		if err := workflow.ExecuteActivity(rctx, widgets.WidgetStageEntries, in).Get(ctx, &page); err != nil {
			return err
		}
		for _, id := range page.LeadIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if !page.More {
			break
		}
	}
	tally := newPaidTally(d, from, to)
	for chunk := range slices.Chunk(ids, paidIDsPerRead) {
		var page activities.LeadsPage
		q := activities.LeadsPageInput{Account: account, IDs: chunk, Page: 1}
		if err := workflow.ExecuteActivity(rctx, widgets.WidgetLeadsPage, q).Get(ctx, &page); err != nil {
			return err
		}
		for _, l := range page.Leads {
			tally.add(l)
		}
		res.Leads += len(page.Leads)
	}
	res.Rows, res.Total = tally.result()
	return nil
}
