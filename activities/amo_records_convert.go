package activities

import "amoflow/amocrm"

// Conversions from the amoCRM client's models to AmoRecord.

func fieldMap(cf amocrm.CustomFields) map[int64]string {
	var out map[int64]string
	for _, f := range cf {
		if f.FieldID == 0 {
			continue
		}
		if v := cf.Value(f.FieldID); v != "" {
			if out == nil {
				out = map[int64]string{}
			}
			out[f.FieldID] = v
		}
	}
	return out
}

func leadRecord(l amocrm.Lead) AmoRecord {
	r := AmoRecord{ID: l.ID, Name: l.Name, ResponsibleID: l.ResponsibleUserID, PipelineID: l.PipelineID,
		StatusID: l.StatusID, Price: l.Price, CreatedAt: l.CreatedAt, Fields: fieldMap(l.CustomFieldsValues),
		ContactIDs: l.ContactIDs()}
	if l.Embedded != nil {
		for _, c := range l.Embedded.Companies {
			r.CompanyIDs = append(r.CompanyIDs, c.ID)
		}
		for _, el := range l.Embedded.CatalogElements {
			link := AmoLinkTo{Entity: "catalog_elements", ID: el.ID}
			if el.Metadata != nil {
				link.CatalogID, link.Quantity = el.Metadata.CatalogID, el.Metadata.Quantity
			}
			r.Elements = append(r.Elements, link)
		}
	}
	return r
}

func contactRecord(c amocrm.Contact) AmoRecord {
	r := AmoRecord{ID: c.ID, Name: c.Name, FirstName: c.FirstName, LastName: c.LastName,
		ResponsibleID: c.ResponsibleUserID, CreatedAt: c.CreatedAt, Fields: fieldMap(c.CustomFieldsValues),
		Phones: c.Phones(), Emails: c.Emails(), LeadIDs: c.LeadIDs()}
	if c.Embedded != nil {
		for _, co := range c.Embedded.Companies {
			r.CompanyIDs = append(r.CompanyIDs, co.ID)
		}
	}
	return r
}

func companyRecord(c amocrm.Company) AmoRecord {
	r := AmoRecord{ID: c.ID, Name: c.Name, ResponsibleID: c.ResponsibleUserID, CreatedAt: c.CreatedAt,
		Fields: fieldMap(c.CustomFieldsValues), Phones: c.Phones(), Emails: c.Emails()}
	if c.Embedded != nil {
		for _, l := range c.Embedded.Leads {
			r.LeadIDs = append(r.LeadIDs, l.ID)
		}
		for _, x := range c.Embedded.Contacts {
			r.ContactIDs = append(r.ContactIDs, x.ID)
		}
	}
	return r
}

func elementRecord(e amocrm.CatalogElement) AmoRecord {
	return AmoRecord{ID: e.ID, Name: e.Name, CreatedAt: e.CreatedAt, Fields: fieldMap(e.CustomFieldsValues)}
}
