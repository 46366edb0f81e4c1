package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"amoflow/onec"
	"amoflow/store"
)

// Creating a 1C object at most once (table onec_outbox, see
// store.BeginOneCCreate). 1C offers no lookup by amoCRM id, so a create
// whose answer was lost cannot be found again in 1C: the outbox remembers
// that it was sent, and a retry is answered Unsure instead of creating a
// second client (docs/flows.md#sync1corder).

// OneCCreate is one create: the amoCRM entity that will hold the GUID, and
// exactly one of the objects.
type OneCCreate struct {
	Account     string            `json:"account"`
	Entity      string            `json:"entity"` // contacts, companies, leads
	ID          int64             `json:"id"`
	Student     *onec.Student     `json:"student,omitempty"`
	Partner     *onec.Partner     `json:"partner,omitempty"`
	Application *onec.Application `json:"application,omitempty"`
	// Force sends the create although an earlier one is unsettled: an
	// operator made sure 1C has no such object.
	Force bool `json:"force,omitempty"`
}

// OneCCreated is the outcome of a create: the GUID, or Unsure when an
// earlier create of the entity may have made the object (its answer was
// lost) and nothing was sent.
type OneCCreated struct {
	GUID   onec.GUID `json:"guid,omitempty"`
	Unsure bool      `json:"unsure,omitempty"`
	// Reason says why it is unsure (the error of the lost call, no
	// personal data: 1C's answer is redacted).
	Reason string `json:"reason,omitempty"`
}

// createdTTL is how long a finished create answers a retry with its GUID;
// later, amoCRM's marker field (written right after) is the truth.
const createdTTL = 24 * time.Hour

// OneCCreate sends a create unless the outbox knows of one for the entity.
// A failure that surely created nothing forgets the row and is returned as
// the error (retryable or not, as classify1C says); any other failure
// leaves the row 'sending' and answers Unsure.
func (o *OneC) OneCCreate(ctx context.Context, in OneCCreate) (OneCCreated, error) {
	c, err := o.client()
	if err != nil {
		return OneCCreated{}, err
	}
	key := store.OneCCreateKey{Account: in.Account, Entity: in.Entity, ID: in.ID}
	if o.DB != nil {
		state, guid, err := o.DB.BeginOneCCreate(ctx, key, activity.GetInfo(ctx).WorkflowExecution.ID, createdTTL, in.Force)
		switch {
		case err != nil:
			return OneCCreated{}, err
		case state == store.OneCCreateDone:
			return OneCCreated{GUID: onec.GUID(guid)}, nil
		case state == store.OneCCreateUnsure:
			return OneCCreated{Unsure: true, Reason: "an earlier create was sent and its answer never came"}, nil
		}
	}
	var id onec.GUID
	switch {
	case in.Student != nil:
		id, err = c.EditStudent(ctx, *in.Student)
	case in.Partner != nil:
		id, err = c.EditPartner(ctx, *in.Partner)
	case in.Application != nil:
		id, err = c.EditApplication(ctx, *in.Application)
	default:
		return OneCCreated{}, temporal.NewNonRetryableApplicationError("a create names no 1C object", ErrBadCreate, nil)
	}
	if o.DB == nil {
		return OneCCreated{GUID: id}, classify1C(err)
	}
	log := activity.GetLogger(ctx)
	switch {
	case err == nil:
		if serr := o.DB.SettleOneCCreate(ctx, key, string(id)); serr != nil {
			// The GUID goes back to the workflow, which writes it to amoCRM;
			// the row stays 'sending', which only matters if that write is lost.
			log.Warn("1C create not settled in the outbox", "entity", in.Entity, "id", in.ID, "error", serr)
		}
		return OneCCreated{GUID: id}, nil
	case onec.NothingCreated(err):
		if serr := o.DB.SettleOneCCreate(ctx, key, ""); serr != nil {
			log.Warn("failed 1C create not cleared from the outbox", "entity", in.Entity, "id", in.ID, "error", serr)
		}
		return OneCCreated{}, classify1C(err)
	}
	return OneCCreated{Unsure: true, Reason: err.Error()}, nil
}

// OneCSettleCreate records how an unsure create ended: the GUID an
// operator found (written into amoCRM's marker field), or none when the
// operator made sure 1C has nothing.
func (o *OneC) OneCSettleCreate(ctx context.Context, in OneCLink) error {
	if o.DB == nil {
		return nil
	}
	return o.DB.SettleOneCCreate(ctx, store.OneCCreateKey{Account: in.Account, Entity: in.Entity, ID: in.ID}, string(in.GUID))
}
