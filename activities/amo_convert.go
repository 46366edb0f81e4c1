package activities

import (
	"sort"

	"amoflow/amocrm"
)

// Conversions between the amoCRM client's models and the activity types.

func contactOf(c amocrm.Contact) Contact {
	out := Contact{
		ID:            c.ID,
		Name:          c.Name,
		ResponsibleID: c.ResponsibleUserID,
		Phones:        c.Phones(),
		Emails:        c.Emails(),
		LeadIDs:       c.LeadIDs(),
		UpdatedAt:     c.UpdatedAt,
	}
	if c.Embedded != nil && len(c.Embedded.Companies) > 0 {
		out.CompanyID = c.Embedded.Companies[0].ID
	}
	return out
}

func leadOf(l amocrm.Lead) Lead {
	out := Lead{
		ID:            l.ID,
		Name:          l.Name,
		PipelineID:    l.PipelineID,
		StatusID:      l.StatusID,
		ResponsibleID: l.ResponsibleUserID,
		Price:         l.Price,
		CreatedAt:     l.CreatedAt,
		UpdatedAt:     l.UpdatedAt,
		ContactIDs:    l.ContactIDs(),
	}
	for _, t := range l.Tags() {
		out.Tags = append(out.Tags, Tag{ID: t.ID, Name: t.Name})
	}
	for _, f := range l.CustomFieldsValues {
		if v := l.FieldValue(f.FieldID); v != "" && f.FieldID != 0 {
			if out.Fields == nil {
				out.Fields = map[int64]string{}
			}
			out.Fields[f.FieldID] = v
		}
	}
	return out
}

// textFields writes each field as one text value, in field-id order so the
// request is the same on every attempt.
func textFields(fields map[int64]string) amocrm.CustomFields {
	ids := make([]int64, 0, len(fields))
	for id := range fields {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out amocrm.CustomFields
	for _, id := range ids {
		out = append(out, amocrm.TextField(id, fields[id]))
	}
	return out
}

// amoTags sends a known tag by id and name, an unknown one by name only
// (amoCRM finds or creates it in the account).
func amoTags(tags []Tag) []amocrm.Tag {
	out := make([]amocrm.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, amocrm.Tag{ID: t.ID, Name: t.Name})
	}
	return out
}

func newContact(nc *NewContact) amocrm.Contact {
	c := amocrm.Contact{FirstName: nc.FirstName, LastName: nc.LastName, ResponsibleUserID: nc.ResponsibleID}
	if nc.Phone != "" {
		c.CustomFieldsValues = append(c.CustomFieldsValues, amocrm.CustomFieldValue{
			FieldCode: "PHONE", Values: []amocrm.Value{{Value: nc.Phone, EnumCode: "WORK"}}})
	}
	if nc.Email != "" {
		c.CustomFieldsValues = append(c.CustomFieldsValues, amocrm.CustomFieldValue{
			FieldCode: "EMAIL", Values: []amocrm.Value{{Value: nc.Email, EnumCode: "WORK"}}})
	}
	return c
}
