package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"amoflow/amocrm"
)

// The amoCRM activities of the 1C flows (generic records: read, search,
// write, link by entity type) are methods of Amo like every other amoCRM
// call, so one registration on the account's rate-limited task queue covers
// them. Like the others, each makes one amoCRM request (plus, on a retried
// create, the search that checks whether an earlier attempt already created
// the entity). Their method names end in 1C: a method name is the activity's
// registered name, recorded in every workflow history, so they keep it.

// ReadRecord1C reads a lead (with its contacts and catalog elements), a
// contact (with its leads), a company or a catalog element. A missing
// entity is a zero record, not an error: the flows fall back to a search.
func (a *Amo) ReadRecord1C(ctx context.Context, in AmoRef) (AmoRecord, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return AmoRecord{}, err
	}
	var rec AmoRecord
	switch in.Entity {
	case "leads":
		var l *amocrm.Lead
		if l, err = c.Lead(ctx, in.ID, "contacts", "catalog_elements"); err == nil {
			rec = leadRecord(*l)
		}
	case "contacts":
		var x *amocrm.Contact
		if x, err = c.Contact(ctx, in.ID, "leads"); err == nil {
			rec = contactRecord(*x)
		}
	case "companies":
		var x *amocrm.Company
		if x, err = c.Company(ctx, in.ID); err == nil {
			rec = companyRecord(*x)
		}
	case "catalog_elements":
		var x *amocrm.CatalogElement
		if x, err = c.CatalogElement(ctx, in.CatalogID, in.ID); err == nil {
			rec = elementRecord(*x)
		}
	default:
		return AmoRecord{}, badEntity(in.Entity)
	}
	if isNotFound(err) {
		return AmoRecord{}, nil
	}
	return rec, classify(err)
}

// ReadRecords1C reads contacts, leads or companies by id in one request.
func (a *Amo) ReadRecords1C(ctx context.Context, in AmoRefs) ([]AmoRecord, error) {
	c, err := a.client(in.Account)
	if err != nil || len(in.IDs) == 0 {
		return nil, err
	}
	var out []AmoRecord
	switch in.Entity {
	case "contacts":
		found, err := c.ContactsByID(ctx, in.IDs, "leads")
		if err != nil {
			return nil, classify(err)
		}
		for _, x := range found {
			out = append(out, contactRecord(x))
		}
	case "leads":
		found, err := c.LeadsByID(ctx, in.IDs, "contacts")
		if err != nil {
			return nil, classify(err)
		}
		for _, x := range found {
			out = append(out, leadRecord(x))
		}
	case "companies":
		found, err := c.CompaniesByID(ctx, in.IDs)
		if err != nil {
			return nil, classify(err)
		}
		for _, x := range found {
			out = append(out, companyRecord(x))
		}
	default:
		return nil, badEntity(in.Entity)
	}
	return out, nil
}

// Search1C runs amoCRM's fuzzy search over contacts, companies, leads or a
// catalog's elements. The caller verifies every hit.
func (a *Amo) Search1C(ctx context.Context, in AmoSearch) ([]AmoRecord, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return nil, err
	}
	out, err := search(ctx, c, in)
	return out, classify(err)
}

func search(ctx context.Context, c *amocrm.Client, in AmoSearch) ([]AmoRecord, error) {
	var out []AmoRecord
	switch in.Entity {
	case "contacts":
		found, err := c.SearchContacts(ctx, in.Query, "leads")
		for _, x := range found {
			out = append(out, contactRecord(x))
		}
		return out, err
	case "companies":
		found, err := c.SearchCompanies(ctx, in.Query)
		for _, x := range found {
			out = append(out, companyRecord(x))
		}
		return out, err
	case "leads":
		found, err := c.SearchLeads(ctx, in.Query, "contacts")
		for _, x := range found {
			out = append(out, leadRecord(x))
		}
		return out, err
	case "catalog_elements":
		found, err := c.CatalogElements(ctx, in.CatalogID, in.Query)
		for _, x := range found {
			out = append(out, elementRecord(x))
		}
		return out, err
	}
	return nil, badEntity(in.Entity)
}

// Write1C creates (ID 0) or updates one entity and returns its id. A PATCH
// is idempotent; a retried create first looks for the entity an earlier
// attempt made (see AmoProbe).
func (a *Amo) Write1C(ctx context.Context, in AmoWrite) (int64, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return 0, err
	}
	if in.ID == 0 && activity.GetInfo(ctx).Attempt > 1 && in.Probe.Query != "" {
		hits, err := search(ctx, c, AmoSearch{Account: in.Account, Entity: in.Entity, CatalogID: in.CatalogID, Query: in.Probe.Query})
		if err != nil {
			return 0, classify(err)
		}
		if id := probeHit(hits, in.Probe); id != 0 {
			return id, nil
		}
	}
	fields := writeFields(in)
	var id int64
	switch in.Entity {
	case "leads":
		l := amocrm.Lead{ID: in.ID, Name: in.Name, PipelineID: in.PipelineID, StatusID: in.StatusID,
			ResponsibleUserID: in.ResponsibleID, Price: in.Price, CustomFieldsValues: fields}
		emb := &amocrm.LeadEmbedded{Tags: amoTags(in.Tags)}
		for i, cid := range in.ContactIDs {
			emb.Contacts = append(emb.Contacts, amocrm.Contact{ID: cid, IsMain: i == 0})
		}
		if in.CompanyID != 0 {
			emb.Companies = []amocrm.Company{{ID: in.CompanyID}}
		}
		if len(emb.Tags) > 0 || len(emb.Contacts) > 0 || len(emb.Companies) > 0 {
			l.Embedded = emb
		}
		var got []amocrm.Lead
		if in.ID != 0 {
			got, err = c.UpdateLeads(ctx, []amocrm.Lead{l})
		} else {
			got, err = c.AddLeads(ctx, []amocrm.Lead{l})
		}
		if len(got) == 1 {
			id = got[0].ID
		}
	case "contacts":
		x := amocrm.Contact{ID: in.ID, Name: in.Name, FirstName: in.FirstName, LastName: in.LastName,
			ResponsibleUserID: in.ResponsibleID, CustomFieldsValues: fields}
		if in.CompanyID != 0 {
			x.Embedded = &amocrm.ContactEmbedded{Companies: []amocrm.Company{{ID: in.CompanyID}}}
		}
		var got []amocrm.Contact
		if in.ID != 0 {
			got, err = c.UpdateContacts(ctx, []amocrm.Contact{x})
		} else {
			got, err = c.AddContacts(ctx, []amocrm.Contact{x})
		}
		if len(got) == 1 {
			id = got[0].ID
		}
	case "companies":
		x := amocrm.Company{ID: in.ID, Name: in.Name, ResponsibleUserID: in.ResponsibleID, CustomFieldsValues: fields}
		var got []amocrm.Company
		if in.ID != 0 {
			got, err = c.UpdateCompanies(ctx, []amocrm.Company{x})
		} else {
			got, err = c.AddCompanies(ctx, []amocrm.Company{x})
		}
		if len(got) == 1 {
			id = got[0].ID
		}
	case "catalog_elements":
		el := amocrm.CatalogElement{ID: in.ID, Name: in.Name, CustomFieldsValues: fields}
		if in.ID != 0 {
			var got *amocrm.CatalogElement
			if got, err = c.UpdateCatalogElement(ctx, in.CatalogID, el); err == nil {
				id = got.ID
			}
		} else {
			var got []amocrm.CatalogElement
			if got, err = c.AddCatalogElements(ctx, in.CatalogID, []amocrm.CatalogElement{el}); len(got) == 1 {
				id = got[0].ID
			}
		}
	default:
		return 0, badEntity(in.Entity)
	}
	if err != nil {
		return 0, classify(err)
	}
	if id == 0 {
		id = in.ID
	}
	if id == 0 {
		return 0, fmt.Errorf("amocrm: %s write answered without an id", in.Entity)
	}
	return id, nil
}

// probeHit finds the entity a probe describes among search hits.
func probeHit(hits []AmoRecord, p AmoProbe) int64 {
	for _, h := range hits {
		if p.FieldID != 0 && strings.EqualFold(strings.TrimSpace(h.Fields[p.FieldID]), strings.TrimSpace(p.Value)) {
			return h.ID
		}
		if p.FieldID == 0 && h.Name == p.Value {
			return h.ID
		}
	}
	return 0
}

// writeFields renders Fields (text), Dates (Unix seconds), Phones and
// Emails, in a stable order so every attempt sends the same request.
func writeFields(in AmoWrite) amocrm.CustomFields {
	out := textFields(in.Fields)
	ids := make([]int64, 0, len(in.Dates))
	for id := range in.Dates {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		out = append(out, amocrm.TextField(id, in.Dates[id]))
	}
	for code, values := range map[string][]string{"PHONE": in.Phones, "EMAIL": in.Emails} {
		if len(values) == 0 {
			continue
		}
		f := amocrm.CustomFieldValue{FieldCode: code}
		for _, v := range values {
			f.Values = append(f.Values, amocrm.Value{Value: v, EnumCode: "WORK"})
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(x, y amocrm.CustomFieldValue) int { return strings.Compare(x.FieldCode, y.FieldCode) })
	return out
}

// Link1C links an entity to others; linking twice is harmless.
func (a *Amo) Link1C(ctx context.Context, in AmoLinks) error {
	c, err := a.client(in.Account)
	if err != nil || len(in.Links) == 0 {
		return err
	}
	links := make([]amocrm.Link, 0, len(in.Links))
	for _, l := range in.Links {
		link := amocrm.Link{ToEntityID: l.ID, ToEntityType: amocrm.EntityType(l.Entity)}
		if l.Entity == "catalog_elements" {
			q := l.Quantity
			if q == 0 {
				q = 1
			}
			link.Metadata = &amocrm.LinkMetadata{CatalogID: l.CatalogID, Quantity: q}
		}
		links = append(links, link)
	}
	_, err = c.Link(ctx, amocrm.EntityType(in.Entity), in.ID, links)
	return classify(err)
}

// Users1C lists the account's users.
func (a *Amo) Users1C(ctx context.Context, account string) ([]AmoUser, error) {
	c, err := a.client(account)
	if err != nil {
		return nil, err
	}
	users, err := c.Users(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]AmoUser, 0, len(users))
	for _, u := range users {
		out = append(out, AmoUser{ID: u.ID, Name: u.Name, Email: u.Email, Active: u.Rights.IsActive})
	}
	return out, nil
}

// UserName1C returns a user's name ("" for a missing user).
func (a *Amo) UserName1C(ctx context.Context, in AmoRef) (string, error) {
	c, err := a.client(in.Account)
	if err != nil || in.ID == 0 {
		return "", err
	}
	u, err := c.User(ctx, in.ID)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", classify(err)
	}
	return u.Name, nil
}

// AdminTask1C sets a task. A retried attempt first looks for an open task
// with the same text on the entity, so a lost answer does not make two.
func (a *Amo) AdminTask1C(ctx context.Context, in AdminTaskInput) (int64, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return 0, err
	}
	entity := amocrm.EntityType(in.Entity)
	if activity.GetInfo(ctx).Attempt > 1 {
		tasks, err := c.TasksFor(ctx, entity, in.EntityID)
		if err != nil {
			return 0, classify(err)
		}
		for _, t := range tasks {
			if !t.IsCompleted && t.Text == in.Text {
				return t.ID, nil
			}
		}
	}
	got, err := c.AddTasks(ctx, []amocrm.Task{{
		EntityType: entity, EntityID: in.EntityID, TaskTypeID: in.TypeID,
		ResponsibleUserID: in.ResponsibleID, Text: in.Text, CompleteTill: in.CompleteTill,
	}})
	if err != nil {
		return 0, classify(err)
	}
	if len(got) != 1 {
		return 0, fmt.Errorf("amocrm: tasks answered %d tasks for one", len(got))
	}
	return got[0].ID, nil
}

// DeleteElements1C deletes catalog elements through the legacy v2 API.
func (a *Amo) DeleteElements1C(ctx context.Context, in DeleteElementsInput) error {
	c, err := a.client(in.Account)
	if err != nil || len(in.IDs) == 0 {
		return err
	}
	return classify(c.DeleteCatalogElements(ctx, in.IDs))
}

func badEntity(e string) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("entity type %q is not supported", e), ErrBadEntity, nil)
}

func isNotFound(err error) bool {
	return err != nil && errors.Is(err, amocrm.ErrNotFound)
}
