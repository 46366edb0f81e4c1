package activities

import (
	"context"
	"errors"

	"amoflow/onec"
)

// Reads of 1C objects before amoflow overwrites them (the overlay of
// docs/flows.md#sync1corder): 1C keeps what it owns, amoCRM's fields are
// laid over it.

// OneCGetApplication reads an application from 1C; nil when 1C has none
// (404): the caller then sends amoCRM's own.
func (o *OneC) OneCGetApplication(ctx context.Context, uid onec.GUID) (*onec.Application, error) {
	return getOrNil(ctx, o, uid, (*onec.Client).GetApplication)
}

// OneCGetStudentOrNil reads a client from 1C; nil when 1C has none.
func (o *OneC) OneCGetStudentOrNil(ctx context.Context, uid onec.GUID) (*onec.Student, error) {
	return getOrNil(ctx, o, uid, (*onec.Client).GetStudent)
}

// OneCGetPartnerOrNil reads a partner from 1C; nil when 1C has none.
func (o *OneC) OneCGetPartnerOrNil(ctx context.Context, uid onec.GUID) (*onec.Partner, error) {
	return getOrNil(ctx, o, uid, (*onec.Client).GetPartner)
}

// getOrNil reads one object with get; a 404 is a nil object, not an error.
func getOrNil[T any](ctx context.Context, o *OneC, uid onec.GUID, get func(*onec.Client, context.Context, onec.GUID) (*T, error)) (*T, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := get(c, ctx, uid)
	if errors.Is(err, onec.ErrNotFound) {
		return nil, nil
	}
	return v, classify1C(err)
}
