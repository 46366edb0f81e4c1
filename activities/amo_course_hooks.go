package activities

import (
	"context"
	"errors"

	"amoflow/amocrm"
)

// Activities of the unsorted_accept and setcourse webhook flows, one
// amoCRM request each.

// UnsortedInput names an unsorted entry (its uid) of an account.
type UnsortedInput struct {
	Account string `json:"account"`
	UID     string `json:"uid"`
}

// AcceptUnsorted accepts an unsorted entry into its pipeline. It reports
// false when amoCRM no longer has it waiting (accepted by an earlier
// attempt whose answer was lost, by a manager, or declined): nothing to do.
func (a *Amo) AcceptUnsorted(ctx context.Context, in UnsortedInput) (bool, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return false, err
	}
	err = c.AcceptUnsorted(ctx, in.UID)
	if errors.Is(err, amocrm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	return true, nil
}

// StageChangeInput names a lead whose last stage change is wanted.
type StageChangeInput struct {
	Account string `json:"account"`
	LeadID  int64  `json:"lead_id"`
}

// StageChange is the stage a lead left in its latest stage change.
type StageChange struct {
	Found      bool  `json:"found"`
	PipelineID int64 `json:"pipeline_id,omitempty"`
	StatusID   int64 `json:"status_id,omitempty"`
}

// LastStageChange reads the lead's stage changes (GET /api/v4/events) and
// returns the stage the latest one left.
func (a *Amo) LastStageChange(ctx context.Context, in StageChangeInput) (StageChange, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return StageChange{}, err
	}
	evs, err := c.EventsFor(ctx, "lead", in.LeadID, "lead_status_changed")
	if err != nil {
		return StageChange{}, classify(err)
	}
	var latest *amocrm.Event
	for i, e := range evs {
		if latest == nil || e.CreatedAt > latest.CreatedAt {
			latest = &evs[i]
		}
	}
	if latest == nil {
		return StageChange{}, nil
	}
	p, s, ok := latest.StatusBefore()
	if !ok {
		return StageChange{}, nil
	}
	return StageChange{Found: true, PipelineID: p, StatusID: s}, nil
}
