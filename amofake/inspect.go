package amofake

import (
	"fmt"
	"slices"
	"time"
)

// The methods below let tests look into an account and seed it. They panic
// on an unknown subdomain or a seed that names a missing entity: both are
// bugs in the test.

// Subdomains lists the accounts in config order.
func (s *Server) Subdomains() []string { return slices.Clone(s.subs) }

// lock locks an account and returns its unlock.
func (s *Server) lock(sub string) (*account, func()) {
	a := s.account(sub)
	a.mu.Lock()
	return a, a.mu.Unlock
}

func sortedByID[T any](m map[int64]*T, copyOf func(*T) T) []T {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, copyOf(m[id]))
	}
	return out
}

func (a *account) leadCopy(l *Lead) Lead {
	c := *l.clone()
	c.ContactIDs, c.CompanyIDs = a.linked("leads", l.ID, "contacts"), a.linked("leads", l.ID, "companies")
	return c
}

func (a *account) contactCopy(x *Contact) Contact {
	c := *x.clone()
	c.LeadIDs, c.CompanyIDs = a.linked("contacts", x.ID, "leads"), a.linked("contacts", x.ID, "companies")
	return c
}

func (a *account) companyCopy(x *Company) Company {
	c := *x.clone()
	c.LeadIDs, c.ContactIDs = a.linked("companies", x.ID, "leads"), a.linked("companies", x.ID, "contacts")
	return c
}

// Leads returns the account's leads by id, with their linked contact and company ids.
func (s *Server) Leads(sub string) []Lead {
	a, unlock := s.lock(sub)
	defer unlock()
	return sortedByID(a.leads, a.leadCopy)
}

// Lead returns one lead.
func (s *Server) Lead(sub string, id int64) (Lead, bool) {
	a, unlock := s.lock(sub)
	defer unlock()
	if l := a.leads[id]; l != nil {
		return a.leadCopy(l), true
	}
	return Lead{}, false
}

// Contacts returns the account's contacts by id.
func (s *Server) Contacts(sub string) []Contact {
	a, unlock := s.lock(sub)
	defer unlock()
	return sortedByID(a.contacts, a.contactCopy)
}

// Contact returns one contact.
func (s *Server) Contact(sub string, id int64) (Contact, bool) {
	a, unlock := s.lock(sub)
	defer unlock()
	if c := a.contacts[id]; c != nil {
		return a.contactCopy(c), true
	}
	return Contact{}, false
}

// Companies returns the account's companies by id.
func (s *Server) Companies(sub string) []Company {
	a, unlock := s.lock(sub)
	defer unlock()
	return sortedByID(a.companies, a.companyCopy)
}

// Company returns one company.
func (s *Server) Company(sub string, id int64) (Company, bool) {
	a, unlock := s.lock(sub)
	defer unlock()
	if c := a.companies[id]; c != nil {
		return a.companyCopy(c), true
	}
	return Company{}, false
}

// CatalogElements returns the elements of a catalog (0: of every catalog).
func (s *Server) CatalogElements(sub string, catalogID int64) []CatalogElement {
	a, unlock := s.lock(sub)
	defer unlock()
	all := sortedByID(a.elements, func(e *CatalogElement) CatalogElement { return *e.clone() })
	return slices.DeleteFunc(all, func(e CatalogElement) bool { return catalogID != 0 && e.CatalogID != catalogID })
}

// Notes returns the notes of one entity type (leads, contacts, companies; "" for all).
func (s *Server) Notes(sub, entity string) []Note {
	a, unlock := s.lock(sub)
	defer unlock()
	all := sortedByID(a.notes, func(n *Note) Note { return *n })
	return slices.DeleteFunc(all, func(n Note) bool { return entity != "" && n.EntityType != entity })
}

// Tasks returns the account's tasks by id.
func (s *Server) Tasks(sub string) []Task {
	a, unlock := s.lock(sub)
	defer unlock()
	return sortedByID(a.tasks, func(t *Task) Task { return *t })
}

// Links returns every link of the account, each once, with the lead (then
// contact, then company) side as EntityType.
func (s *Server) Links(sub string) []Link {
	a, unlock := s.lock(sub)
	defer unlock()
	return slices.Clone(a.links)
}

// LinksOf returns the links of one entity, seen from its side.
func (s *Server) LinksOf(sub, entity string, id int64) []Link {
	a, unlock := s.lock(sub)
	defer unlock()
	return a.linksOf(entity, id)
}

// Events returns the account's event log, oldest first.
func (s *Server) Events(sub string) []Event {
	a, unlock := s.lock(sub)
	defer unlock()
	return slices.Clone(a.events)
}

// Tags returns the tags of an entity type (leads, contacts, companies).
func (s *Server) Tags(sub, entity string) []Tag {
	a, unlock := s.lock(sub)
	defer unlock()
	return slices.Clone(a.tags[entity])
}

// Seeding. The entity is stored as given, without validation: explicit
// times and status are kept; a zero ID, CreatedAt or ResponsibleUserID is
// replaced by a new id, now (or UpdatedAt, if earlier) and the first user.

// AddLead stores a lead and links it to ContactIDs (the first is the main
// contact) and CompanyIDs. It returns the lead's id.
func (s *Server) AddLead(sub string, l Lead) int64 {
	id, err := s.addLead(sub, l)
	must(err)
	return id
}

func (s *Server) addLead(sub string, l Lead) (int64, error) {
	a, unlock := s.lock(sub)
	defer unlock()
	links, err := a.seedLinks("leads", map[string][]int64{"contacts": l.ContactIDs, "companies": l.CompanyIDs})
	if err != nil {
		return 0, err
	}
	e := l.clone()
	now := s.seedCommon(a, e.common(), kindLead)
	return save(a, a.leads, e, nil, links, now), nil
}

// AddContact stores a contact, linked to LeadIDs and CompanyIDs, and returns its id.
func (s *Server) AddContact(sub string, c Contact) int64 {
	id, err := s.addContact(sub, c)
	must(err)
	return id
}

func (s *Server) addContact(sub string, c Contact) (int64, error) {
	a, unlock := s.lock(sub)
	defer unlock()
	links, err := a.seedLinks("contacts", map[string][]int64{"leads": c.LeadIDs, "companies": c.CompanyIDs})
	if err != nil {
		return 0, err
	}
	e := c.clone()
	now := s.seedCommon(a, e.common(), kindContact)
	return save(a, a.contacts, e, nil, links, now), nil
}

// AddCompany stores a company, linked to LeadIDs and ContactIDs, and returns its id.
func (s *Server) AddCompany(sub string, c Company) int64 {
	id, err := s.addCompany(sub, c)
	must(err)
	return id
}

func (s *Server) addCompany(sub string, c Company) (int64, error) {
	a, unlock := s.lock(sub)
	defer unlock()
	links, err := a.seedLinks("companies", map[string][]int64{"leads": c.LeadIDs, "contacts": c.ContactIDs})
	if err != nil {
		return 0, err
	}
	e := c.clone()
	now := s.seedCommon(a, e.common(), kindCompany)
	return save(a, a.companies, e, nil, links, now), nil
}

// AddCatalogElement stores a catalog element and returns its id.
func (s *Server) AddCatalogElement(sub string, el CatalogElement) int64 {
	id, err := s.addElement(sub, el)
	must(err)
	return id
}

func (s *Server) addElement(sub string, el CatalogElement) (int64, error) {
	a, unlock := s.lock(sub)
	defer unlock()
	if !a.catalogs[el.CatalogID] {
		return 0, fmt.Errorf("amofake: account %s has no catalog %d", sub, el.CatalogID)
	}
	e := el.clone()
	e.ID = a.claimID(kindElement, e.ID)
	if e.CreatedAt == 0 {
		e.CreatedAt = s.cfg.Now().Unix()
	}
	if e.UpdatedAt == 0 {
		e.UpdatedAt = e.CreatedAt
	}
	e.CustomFields = a.normalizeFields("catalogs", e.CustomFields)
	a.elements[e.ID] = e
	return e.ID, nil
}

// AddLink links two existing entities, as POST /{entity}/{id}/link would.
func (s *Server) AddLink(sub string, l Link) {
	must(s.addLink(sub, l))
}

func (s *Server) addLink(sub string, l Link) error {
	a, unlock := s.lock(sub)
	defer unlock()
	if !a.exists(l.EntityType, l.EntityID) || !a.exists(l.ToEntityType, l.ToEntityID) {
		return fmt.Errorf("amofake: cannot link %s %d to %s %d: no such entity", l.EntityType, l.EntityID, l.ToEntityType, l.ToEntityID)
	}
	if l.ToEntityType == "catalog_elements" || l.EntityType == "catalog_elements" {
		el := l
		if el.EntityType == "catalog_elements" {
			el = l.flipped()
		}
		meta := map[string]any{"quantity": 1}
		for k, v := range el.Metadata {
			meta[k] = v
		}
		meta["catalog_id"] = a.elements[el.ToEntityID].CatalogID
		el.Metadata = meta
		l = el
	}
	a.link(l)
	return nil
}

// seedCommon prepares a seeded lead, contact or company: its id, times and fields.
func (s *Server) seedCommon(a *account, c common, kind int) int64 {
	now := s.cfg.Now().Unix()
	*c.id = a.claimID(kind, *c.id)
	if *c.createdAt == 0 {
		*c.createdAt = now
		if *c.updatedAt != 0 && *c.updatedAt < now {
			*c.createdAt = *c.updatedAt // not created after its last update
		}
	}
	if *c.updatedAt == 0 {
		*c.updatedAt = *c.createdAt
	}
	if *c.responsible == 0 {
		*c.responsible = a.defaultUser() // amoCRM entities always have one
	}
	*c.fields = a.normalizeFields(c.entity, *c.fields)
	return now
}

// seedLinks checks that linked ids exist and makes the links to create.
func (a *account) seedLinks(from string, ids map[string][]int64) ([]Link, error) {
	var links []Link
	for _, to := range []string{"leads", "contacts", "companies"} {
		for _, id := range ids[to] {
			if !a.exists(to, id) {
				return nil, fmt.Errorf("amofake: cannot link a %s to %s %d: no such entity", from, to, id)
			}
			links = append(links, Link{EntityType: from, ToEntityType: to, ToEntityID: id})
		}
	}
	return links, nil
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Call log.

// Calls returns the account's call log, oldest first (the most recent
// calls only, once it grows past 10000).
func (s *Server) Calls(sub string) []Call {
	a, unlock := s.lock(sub)
	defer unlock()
	return slices.Clone(a.calls)
}

// CallCount returns how many requests reached an endpoint of the account,
// named as in the call log: "POST /oauth2/access_token", "GET /api/v4/leads/{id}".
func (s *Server) CallCount(sub, endpoint string) int {
	a, unlock := s.lock(sub)
	defer unlock()
	return a.counts[endpoint]
}

// ResetCalls empties the call logs of every account.
func (s *Server) ResetCalls() {
	for _, a := range s.accounts {
		a.mu.Lock()
		a.calls, a.counts = nil, map[string]int{}
		a.mu.Unlock()
	}
}

// Tokens.

// ExpireTokens makes every access token of the account stop working, as if
// AccessTTL had passed: the next API call gets 401.
func (s *Server) ExpireTokens(sub string) {
	a, unlock := s.lock(sub)
	defer unlock()
	clear(a.access)
}

// RevokeRefreshTokens revokes every refresh token of the account: the next
// refresh gets 401 "Token has been revoked" and the integration needs a
// new authorization code.
func (s *Server) RevokeRefreshTokens(sub string) {
	a, unlock := s.lock(sub)
	defer unlock()
	for _, rt := range a.refresh {
		rt.revoked = true
	}
}

// IssueToken makes a token pair without the OAuth dance; ttl 0 means
// AccessTTL, a long one stands in for a long-lived token.
func (s *Server) IssueToken(sub string, ttl time.Duration) Token {
	a, unlock := s.lock(sub)
	defer unlock()
	if ttl <= 0 {
		ttl = s.cfg.AccessTTL
	}
	return s.issue(a, s.cfg.Now(), ttl)
}
