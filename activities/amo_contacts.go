package activities

import (
	"context"
	"errors"

	"amoflow/amocrm"
)

// Contact activities of the webhook flows, one amoCRM request each.

// ReadContact reads a contact (with=leads gives its lead ids). A missing
// contact is ContactCard{}.
func (a *Amo) ReadContact(ctx context.Context, in ReadInput) (ContactCard, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return ContactCard{}, err
	}
	ct, err := c.Contact(ctx, in.ID, in.With...)
	if errors.Is(err, amocrm.ErrNotFound) {
		return ContactCard{}, nil
	}
	if err != nil {
		return ContactCard{}, classify(err)
	}
	out := contactCardOf(*ct)
	for _, id := range in.Fields {
		if v := ct.CustomFieldsValues.Value(id); v != "" {
			if out.Fields == nil {
				out.Fields = map[int64]string{}
			}
			out.Fields[id] = v
		}
	}
	return out, nil
}

// PatchContact replaces the given fields' values (and the responsible user,
// when set) in one PATCH, which is idempotent.
func (a *Amo) PatchContact(ctx context.Context, in PatchContactInput) error {
	c, err := a.client(in.Account)
	if err != nil {
		return err
	}
	_, err = c.UpdateContacts(ctx, []amocrm.Contact{{ID: in.ID, ResponsibleUserID: in.ResponsibleID, CustomFieldsValues: amoFields(in.Fields)}})
	return classify(err)
}
