package activities

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"

	"go.temporal.io/sdk/temporal"

	"amoflow/amocrm"
	"amoflow/egrul"
)

// Widgets holds the amoCRM reads of the widget flows (the old PHP widgets
// managers use inside amoCRM). Like Amo's, each makes one amoCRM request
// and runs on the account's rate-limited task queue.
type Widgets struct {
	Clients map[string]*amocrm.Client
}

// WidgetPipeline is a pipeline with its stages, as the widgets show them.
type WidgetPipeline struct {
	ID       int64          `json:"id"`
	Name     string         `json:"name"`
	Statuses []WidgetStatus `json:"statuses"`
}

// WidgetStatus is a stage of a pipeline.
type WidgetStatus struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// WidgetPipelines lists the account's pipelines with their stages (one request).
func (a *Widgets) WidgetPipelines(ctx context.Context, account string) ([]WidgetPipeline, error) {
	c, err := (&Amo{Clients: a.Clients}).client(account)
	if err != nil {
		return nil, err
	}
	ps, err := c.Pipelines(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]WidgetPipeline, 0, len(ps))
	for _, p := range ps {
		wp := WidgetPipeline{ID: p.ID, Name: p.Name}
		for _, s := range p.Embedded.Statuses {
			wp.Statuses = append(wp.Statuses, WidgetStatus{ID: s.ID, Name: s.Name, Color: s.Color})
		}
		out = append(out, wp)
	}
	return out, nil
}

// LeadsPageInput asks for one page of the leads created in [CreatedFrom,
// CreatedTo] (Unix seconds) in the pipelines (none: all), or updated in
// [UpdatedFrom, UpdatedTo] when those are set instead, or with these IDs.
// Fields names the lead custom fields to return (nothing else of the
// leads' fields leaves amoCRM).
type LeadsPageInput struct {
	Account     string  `json:"account"`
	Pipelines   []int64 `json:"pipelines"`
	CreatedFrom int64   `json:"created_from"`
	CreatedTo   int64   `json:"created_to"`
	UpdatedFrom int64   `json:"updated_from,omitempty"`
	UpdatedTo   int64   `json:"updated_to,omitempty"`
	IDs         []int64 `json:"ids,omitempty"`
	Fields      []int64 `json:"fields,omitempty"`
	Page        int     `json:"page"`
}

// LeadFigure is what a dashboard counts of a lead.
type LeadFigure struct {
	ID            int64            `json:"id"`
	PipelineID    int64            `json:"pipeline_id"`
	StatusID      int64            `json:"status_id"`
	Price         int64            `json:"price,omitempty"`
	ResponsibleID int64            `json:"responsible_id,omitempty"`
	CreatedAt     int64            `json:"created_at,omitempty"`
	Fields        map[int64]string `json:"fields,omitempty"`
}

// LeadsPage is one page of leads; More when another page follows.
type LeadsPage struct {
	Leads []LeadFigure `json:"leads"`
	More  bool         `json:"more"`
}

// WidgetLeadsPage reads one page of leads (one request).
func (a *Widgets) WidgetLeadsPage(ctx context.Context, in LeadsPageInput) (LeadsPage, error) {
	c, err := (&Amo{Clients: a.Clients}).client(in.Account)
	if err != nil {
		return LeadsPage{}, err
	}
	q := url.Values{}
	for _, p := range in.Pipelines {
		q.Add("filter[pipeline_id][]", strconv.FormatInt(p, 10))
	}
	for _, id := range in.IDs {
		q.Add("filter[id][]", strconv.FormatInt(id, 10))
	}
	if in.CreatedFrom != 0 || in.CreatedTo != 0 {
		q.Set("filter[created_at][from]", strconv.FormatInt(in.CreatedFrom, 10))
		q.Set("filter[created_at][to]", strconv.FormatInt(in.CreatedTo, 10))
	}
	if in.UpdatedFrom != 0 || in.UpdatedTo != 0 {
		q.Set("filter[updated_at][from]", strconv.FormatInt(in.UpdatedFrom, 10))
		q.Set("filter[updated_at][to]", strconv.FormatInt(in.UpdatedTo, 10))
	}
	q.Set("order[id]", "asc") // stable pages while leads are being added
	leads, more, err := c.LeadsPage(ctx, q, in.Page)
	if err != nil {
		return LeadsPage{}, classify(err)
	}
	out := LeadsPage{Leads: make([]LeadFigure, 0, len(leads)), More: more}
	for _, l := range leads {
		f := LeadFigure{ID: l.ID, PipelineID: l.PipelineID, StatusID: l.StatusID, Price: l.Price, ResponsibleID: l.ResponsibleUserID,
			CreatedAt: l.CreatedAt}
		all := fieldMap(l.CustomFieldsValues)
		for _, id := range in.Fields {
			if v, ok := all[id]; ok {
				if f.Fields == nil {
					f.Fields = map[int64]string{}
				}
				f.Fields[id] = v
			}
		}
		out.Leads = append(out.Leads, f)
	}
	return out, nil
}

// StageEntriesInput asks for one page (100 events) of the leads that
// entered one of the stages between From and To (Unix seconds).
type StageEntriesInput struct {
	Account string      `json:"account"`
	Stages  []LeadStage `json:"stages"`
	From    int64       `json:"from"`
	To      int64       `json:"to"`
	Page    int         `json:"page"`
}

// LeadStage is a stage of a pipeline.
type LeadStage struct {
	PipelineID int64 `json:"pipeline_id"`
	StatusID   int64 `json:"status_id"`
}

// StageEntries is one page of stage entries: the leads, each once, in the
// order amoCRM listed them (newest first); More when another page follows.
type StageEntries struct {
	LeadIDs []int64 `json:"lead_ids"`
	More    bool    `json:"more"`
}

// WidgetStageEntries reads one page of the account's lead_status_changed
// events into the stages (one request); ids only leave the activity.
func (a *Widgets) WidgetStageEntries(ctx context.Context, in StageEntriesInput) (StageEntries, error) {
	c, err := (&Amo{Clients: a.Clients}).client(in.Account)
	if err != nil {
		return StageEntries{}, err
	}
	q := url.Values{"filter[type]": {"lead_status_changed"}}
	q.Set("filter[created_at][from]", strconv.FormatInt(in.From, 10))
	q.Set("filter[created_at][to]", strconv.FormatInt(in.To, 10))
	for i, st := range in.Stages {
		k := "filter[value_after][leads_statuses][" + strconv.Itoa(i) + "]"
		q.Set(k+"[pipeline_id]", strconv.FormatInt(st.PipelineID, 10))
		q.Set(k+"[status_id]", strconv.FormatInt(st.StatusID, 10))
	}
	events, more, err := c.EventsPage(ctx, q, in.Page)
	if err != nil {
		return StageEntries{}, classify(err)
	}
	out := StageEntries{LeadIDs: []int64{}, More: more}
	for _, e := range events {
		p, st, ok := e.StatusAfter()
		if !ok || !slices.Contains(in.Stages, LeadStage{PipelineID: p, StatusID: st}) || slices.Contains(out.LeadIDs, e.EntityID) {
			continue // checked again: the filter is amoCRM's
		}
		out.LeadIDs = append(out.LeadIDs, e.EntityID)
	}
	return out, nil
}

// EGRUL looks companies up in the register (egrul.base_url); it runs on the
// workflow task queue, not an account's.
type EGRUL struct {
	Client *egrul.Client // nil: no register configured
}

// EGRULLookup reads the register's record of an INN; a zero Company (no
// INN) when the register has none. Transport errors, 5xx and 429 are
// retried; other answers fail as EGRULRejected.
func (e *EGRUL) EGRULLookup(ctx context.Context, inn string) (egrul.Company, error) {
	if e.Client == nil {
		return egrul.Company{}, temporal.NewNonRetryableApplicationError("egrul.base_url is not configured", ErrEGRULNotConfigured, nil)
	}
	co, err := e.Client.Lookup(ctx, inn)
	var ee *egrul.Error
	switch {
	case errors.Is(err, egrul.ErrNotFound):
		return egrul.Company{}, nil
	case errors.As(err, &ee) && !ee.Retryable():
		return egrul.Company{}, temporal.NewNonRetryableApplicationError(ee.Error(), ErrEGRULRejected, nil)
	case err != nil:
		return egrul.Company{}, err
	}
	return *co, nil
}
