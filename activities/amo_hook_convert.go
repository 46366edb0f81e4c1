package activities

import "amoflow/amocrm"

// Conversions for the webhook flows' types (amo_hook_types.go).

func fieldValuesOf(cf amocrm.CustomFields) []FieldValues {
	var out []FieldValues
	for _, f := range cf {
		fv := FieldValues{ID: f.FieldID, Code: f.FieldCode}
		for _, v := range f.Values {
			fv.Values = append(fv.Values, FieldValue{Value: v.Value, EnumID: v.EnumID, EnumCode: v.EnumCode})
		}
		out = append(out, fv)
	}
	return out
}

// amoFields writes fields in the order given (the workflow makes it stable).
// An enum goes by id when known, else by code; a field named by id is not
// also named by code.
func amoFields(fs []FieldValues) amocrm.CustomFields {
	var out amocrm.CustomFields
	for _, f := range fs {
		cf := amocrm.CustomFieldValue{FieldID: f.ID, Values: []amocrm.Value{}}
		if f.ID == 0 {
			cf.FieldCode = f.Code
		}
		for _, v := range f.Values {
			av := amocrm.Value{Value: v.Value, EnumID: v.EnumID}
			if v.EnumID == 0 {
				av.EnumCode = v.EnumCode
			}
			cf.Values = append(cf.Values, av)
		}
		out = append(out, cf)
	}
	return out
}

func leadCardOf(l amocrm.Lead) LeadCard {
	return LeadCard{Lead: leadOf(l), CompanyID: l.CompanyID(), Values: fieldValuesOf(l.CustomFieldsValues)}
}

func contactCardOf(c amocrm.Contact) ContactCard {
	out := ContactCard{Contact: contactOf(c), FirstName: c.FirstName, LastName: c.LastName}
	if c.Embedded != nil {
		for _, co := range c.Embedded.Companies {
			out.CompanyIDs = append(out.CompanyIDs, co.ID)
		}
	}
	if f := c.CustomFieldsValues.Code("PHONE"); f != nil {
		out.PhoneField = fieldValuesOf(amocrm.CustomFields{*f})[0]
	}
	return out
}

func noteCardOf(n amocrm.Note) NoteCard {
	return NoteCard{ID: n.ID, EntityID: n.EntityID, Type: n.NoteType, Params: n.Params,
		CreatedAt: n.CreatedAt, CreatedBy: n.CreatedBy, ResponsibleID: n.ResponsibleUserID}
}

// amoNote is what AddNotes sends: type, params and responsible; amoCRM sets
// the author and the time.
func amoNote(n NoteCard) amocrm.Note {
	return amocrm.Note{EntityID: n.EntityID, NoteType: n.Type, Params: n.Params, ResponsibleUserID: n.ResponsibleID}
}
