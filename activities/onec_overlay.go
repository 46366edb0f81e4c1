package activities

import (
	"context"
	"errors"

	"amoflow/onec"
)

// Reads of 1C objects before amoflow overwrites them (the overlay of
// docs/flows.md#sync1corder): 1C keeps what it owns, amoCRM's fields are
// laid over it.

// OneCGetApplication reads an application from 1C. One 1C has not got
// (404) is a nil result, not an error: the caller sends amoCRM's own.
func (o *OneC) OneCGetApplication(ctx context.Context, uid onec.GUID) (*onec.Application, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetApplication(ctx, uid)
	if errors.Is(err, onec.ErrNotFound) {
		return nil, nil
	}
	return v, classify1C(err)
}

// OneCGetStudentOrNil reads a client from 1C; nil when 1C has none.
func (o *OneC) OneCGetStudentOrNil(ctx context.Context, uid onec.GUID) (*onec.Student, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetStudent(ctx, uid)
	if errors.Is(err, onec.ErrNotFound) {
		return nil, nil
	}
	return v, classify1C(err)
}

// OneCGetPartnerOrNil reads a partner from 1C; nil when 1C has none.
func (o *OneC) OneCGetPartnerOrNil(ctx context.Context, uid onec.GUID) (*onec.Partner, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	v, err := c.GetPartner(ctx, uid)
	if errors.Is(err, onec.ErrNotFound) {
		return nil, nil
	}
	return v, classify1C(err)
}
