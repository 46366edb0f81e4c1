package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"amoflow/amocrm"
	"amoflow/lk"
)

// LK holds the activity on the students' personal account service
// (docs/flows.md#createlk).
type LK struct {
	API *lk.Client
}

// LKAnswer is the service's answer: User set when the account exists.
type LKAnswer struct {
	User  int64  `json:"user,omitempty"`
	Email string `json:"email,omitempty"` // the first reason about the email
	Phone string `json:"phone,omitempty"` // the first reason about the phone
}

// RegisterStudent asks the service for the student's account, in one
// request. A refusal is an answer, not an error; an unreachable or failing
// service is retried, any other error fails the flow with its reason.
func (l *LK) RegisterStudent(ctx context.Context, s lk.Student) (LKAnswer, error) {
	a, err := l.API.Register(ctx, s)
	switch {
	case err != nil && lk.IsRetryable(err):
		return LKAnswer{}, err
	case err != nil:
		return LKAnswer{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrLKService, err)
	}
	out := LKAnswer{User: a.User}
	if len(a.Email) > 0 {
		out.Email = a.Email[0]
	}
	if len(a.Phone) > 0 {
		out.Phone = a.Phone[0]
	}
	return out, nil
}

// ContactFields is a contact with every custom field.
type ContactFields struct {
	ID     int64         `json:"id"`
	Name   string        `json:"name,omitempty"`
	Values []FieldValues `json:"values,omitempty"`
}

// ReadContactsInput names contacts of one account.
type ReadContactsInput struct {
	Account string  `json:"account"`
	IDs     []int64 `json:"ids"`
}

// ReadContactFields reads contacts with every custom field, in one request
// (missing ones are left out).
func (a *Amo) ReadContactFields(ctx context.Context, in ReadContactsInput) ([]ContactFields, error) {
	return listOf(a, in.Account, contactFieldsOf, func(c *amocrm.Client) ([]amocrm.Contact, error) {
		return c.ContactsByID(ctx, in.IDs)
	})
}

func contactFieldsOf(c amocrm.Contact) ContactFields {
	return ContactFields{ID: c.ID, Name: c.Name, Values: fieldValuesOf(c.CustomFieldsValues)}
}
