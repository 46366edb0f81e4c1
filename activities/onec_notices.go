package activities

import (
	"context"
	"time"

	"amoflow/store"
)

// OneCNoticeRecord is a notice 1C posted to an old notice URL, to keep.
type OneCNoticeRecord struct {
	JobID       string    `json:"job_id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type,omitempty"`
	Body        []byte    `json:"body"`
	ReceivedAt  time.Time `json:"received_at"`
}

// RecordOneCNotice stores the notice in onec_notices, its body sealed with
// the token key when one is configured. The job id is the marker: a retry
// finds the row and stores nothing twice. It reports whether this call
// stored it.
func (s *Store) RecordOneCNotice(ctx context.Context, in OneCNoticeRecord) (bool, error) {
	n := store.OneCNotice{JobID: in.JobID, Kind: in.Kind, ContentType: in.ContentType, Body: in.Body, ReceivedAt: in.ReceivedAt}
	if s.Ring != nil {
		n.BodyKey, n.Body = s.Ring.ActiveID(), s.Ring.Seal(in.Body, []byte(in.JobID))
	}
	return s.DB.RecordOneCNotice(ctx, n)
}
