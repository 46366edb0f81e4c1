package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// OneCNoticeKinds are the old notice URLs /integration/1c/{kind}: 1C
// reports a payment or the end of a course. The old system appended the
// body to a file; amoflow keeps it in onec_notices for an operator
// (README "Migrating from the old URLs") and does nothing else with it.
var OneCNoticeKinds = []string{"paymentreceived", "courseended"}

// OneCNoticeInput is one notice as 1C posted it. The body is kept as sent
// (any content type); the payload codec encrypts it in the history.
type OneCNoticeInput struct {
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body"`
}

// OneCNoticeResult is what the job reports: never the body.
type OneCNoticeResult struct {
	Kind  string `json:"kind"`
	Bytes int    `json:"bytes"`
	// Stored is false when a retried run found the row already there.
	Stored bool `json:"stored"`
}

// OneCNotice keeps a 1C notice in Postgres (one activity, marker: the job
// id), sealed with the token key. Received is when the job started, which
// is when the starter stored the request within the bridge's delay.
func (f *Flows) OneCNotice(ctx workflow.Context, in OneCNoticeInput) (*OneCNoticeResult, error) {
	info := workflow.GetInfo(ctx)
	rec := activities.OneCNoticeRecord{JobID: info.WorkflowExecution.ID, Kind: in.Kind, ContentType: in.ContentType,
		Body: in.Body, ReceivedAt: info.WorkflowStartTime.UTC()}
	res := &OneCNoticeResult{Kind: in.Kind, Bytes: len(in.Body)}
	if err := workflow.ExecuteActivity(storeOptions(ctx), pg.RecordOneCNotice, rec).Get(ctx, &res.Stored); err != nil {
		return nil, err
	}
	return res, nil
}
