package amofake

import "strings"

func contactRoutes(s *Server) {
	entityRoutes(s, func(a *account) map[int64]*Contact { return a.contacts }, func() *Contact { return &Contact{} }, nil)
	entityRoutes(s, func(a *account) map[int64]*Company { return a.companies }, func() *Company { return &Company{} }, nil)
}

func (*Contact) entityType() string { return "contacts" }

func (c *Contact) readOwn(a *account, rd reader) []Link {
	rd.str("first_name", &c.FirstName)
	rd.str("last_name", &c.LastName)
	return a.readLinks(rd, "contacts", "companies")
}

func (c *Contact) settle(a *account, old *Contact, now int64) {
	if c.Name == "" {
		c.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	if old == nil {
		a.event(now, "contact_added", "contact", c.ID, nil, nil)
	}
}

func (c *Contact) renderOwn(a *account, q *request, m, emb map[string]any, with map[string]bool) {
	m["first_name"], m["last_name"] = c.FirstName, c.LastName
	m["closest_task_at"], m["is_unsorted"] = nil, false
	emb["companies"] = a.renderLinked(q, "contacts", c.ID, "companies")
	if with["leads"] {
		emb["leads"] = a.renderLinked(q, "contacts", c.ID, "leads")
	}
	if with["catalog_elements"] {
		emb["catalog_elements"] = a.renderLinked(q, "contacts", c.ID, "catalog_elements")
	}
}

func (c *Contact) hit(query string) bool {
	return matches(query, []string{c.Name, c.FirstName, c.LastName}, c.CustomFields, false)
}

func (*Company) entityType() string { return "companies" }

func (c *Company) readOwn(a *account, rd reader) []Link { return nil }

func (c *Company) settle(a *account, old *Company, now int64) {
	if old == nil {
		a.event(now, "company_added", "company", c.ID, nil, nil)
	}
}

func (c *Company) renderOwn(a *account, q *request, m, emb map[string]any, with map[string]bool) {
	m["closest_task_at"] = nil
	if with["leads"] {
		emb["leads"] = a.renderLinked(q, "companies", c.ID, "leads")
	}
	if with["contacts"] {
		emb["contacts"] = a.renderLinked(q, "companies", c.ID, "contacts")
	}
	if with["catalog_elements"] {
		emb["catalog_elements"] = a.renderLinked(q, "companies", c.ID, "catalog_elements")
	}
}

// hit searches every filled field of a company, as amoCRM does: a
// company is found by its INN or OGRN as well as by phone and email.
func (c *Company) hit(query string) bool {
	return matches(query, []string{c.Name}, c.CustomFields, true)
}
