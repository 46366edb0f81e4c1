package workflows

import (
	"net/url"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// RemoteManagerInput is lead.php's request: lead LeadID of
// widgets.leads_account gets Manager as its remote manager.
type RemoteManagerInput struct {
	LeadID  int64  `json:"lead_id"`
	Manager string `json:"manager"`
}

// RemoteManagerResult says what was done.
type RemoteManagerResult struct {
	LeadID int64 `json:"lead_id"`
	// Status is set, or no_lead when amoCRM has no such lead (then Sensei
	// is not started either).
	Status        string `json:"status"`
	SenseiStarted bool   `json:"sensei_started,omitempty"`
}

// RemoteManager writes the lead field lead_fields.remote_man (the old
// widget named a field that did not exist, so it never wrote it) and then
// starts the Sensei process of widgets.sensei_start_url for the lead.
// Writing the same value again is harmless; the starter's job id keeps a
// repeated click from starting Sensei twice within inbound.dedup_window.
// amoCRM calls: 1 read, 1 update.
func (f *Flows) RemoteManager(ctx workflow.Context, in RemoteManagerInput) (*RemoteManagerResult, error) {
	s, acct, err := f.widgetSetup(ctx, func(s widgetSettings) string { return s.LeadsAccount })
	if err != nil {
		return nil, err
	}
	var missing []string
	field := fieldKey(&missing, acct.Name, "lead_fields", acct.LeadFields, "remote_man")
	if err := missingKeys(missing); err != nil {
		return nil, err
	}
	res := &RemoteManagerResult{LeadID: in.LeadID, Status: "no_lead"}
	lead, err := f.read(ctx, acct, "leads", 0, in.LeadID)
	if err != nil || lead.ID == 0 {
		return res, err
	}
	if lead.Fields[field] != in.Manager {
		w := activities.AmoWrite{Entity: "leads", ID: lead.ID, Fields: map[int64]string{field: in.Manager}}
		if _, err := f.write(ctx, acct, w); err != nil {
			return nil, err
		}
	}
	res.Status = "set"
	if s.SenseiStartURL != "" {
		if err := workflow.ExecuteActivity(registerOptions(ctx), oneC.NotifyCallback, senseiStart(s.SenseiStartURL, lead.ID)).Get(ctx, nil); err != nil {
			return nil, err
		}
		res.SenseiStarted = true
	}
	return res, nil
}

// senseiStart adds lead_id to the Sensei start URL.
func senseiStart(base string, leadID int64) string {
	u, err := url.Parse(base)
	if err != nil {
		return base // config.Validate refused it first
	}
	q := u.Query()
	q.Set("lead_id", strconv.FormatInt(leadID, 10))
	u.RawQuery = q.Encode()
	return u.String()
}
