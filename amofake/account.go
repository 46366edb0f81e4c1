package amofake

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// account is the whole state of one fake amoCRM account. mu guards all of
// it; the server holds mu for the whole handling of a request, which keeps
// the handlers simple and is fast enough for a fake.
type account struct {
	mu     sync.Mutex
	cfg    AccountConfig
	idBase int64 // ids of this account start here, see newID

	lastID map[int]int64  // id kind → last number handed out
	taken  map[int64]bool // every id in use, so seeded ids never collide

	// OAuth (oauth.go).
	access  map[string]time.Time // access token → expiry
	refresh map[string]*refreshToken

	admitted []time.Time // API requests let through in the last second
	faults   Faults
	calls    []Call
	counts   map[string]int // call log counts by route template; never trimmed

	leads     map[int64]*Lead
	contacts  map[int64]*Contact
	companies map[int64]*Company
	elements  map[int64]*CatalogElement
	catalogs  map[int64]bool
	notes     map[int64]*Note
	tasks     map[int64]*Task
	links     []Link
	tags      map[string][]Tag     // entity type → tags in creation order
	fields    map[string]*fieldSet // entity type (or "catalogs") → custom fields
	events    []Event
	unsorted  map[string]*unsorted
}

// Id kinds. Each kind of each account has its own range of ids, so that a
// client that mixes up a contact id with a lead id, or one account with
// another, gets a 204 instead of someone else's entity.
const (
	kindLead = iota + 1
	kindContact
	kindCompany
	kindElement
	kindNote
	kindTask
	kindTag
	kindField
	kindEvent
)

// maxCalls bounds the call log kept per account; counts stay exact.
const maxCalls = 10000

func newAccount(index int, cfg AccountConfig) *account {
	a := &account{
		cfg:       cfg,
		idBase:    int64(index+1) * 100_000_000,
		lastID:    map[int]int64{},
		taken:     map[int64]bool{},
		access:    map[string]time.Time{},
		refresh:   map[string]*refreshToken{},
		counts:    map[string]int{},
		leads:     map[int64]*Lead{},
		contacts:  map[int64]*Contact{},
		companies: map[int64]*Company{},
		elements:  map[int64]*CatalogElement{},
		catalogs:  map[int64]bool{},
		notes:     map[int64]*Note{},
		tasks:     map[int64]*Task{},
		tags:      map[string][]Tag{},
		fields:    map[string]*fieldSet{},
		unsorted:  map[string]*unsorted{},
	}
	if a.cfg.PhoneField == 0 {
		a.cfg.PhoneField = DefaultPhoneField
	}
	if a.cfg.EmailField == 0 {
		a.cfg.EmailField = DefaultEmailField
	}
	for _, id := range cfg.CatalogIDs {
		a.catalogs[id] = true
	}
	a.fields["leads"] = a.newFieldSet(cfg.LeadFields)
	a.fields["contacts"] = a.newFieldSet(cfg.ContactFields)
	a.fields["companies"] = a.newFieldSet(cfg.CompanyFields)
	a.fields["catalogs"] = a.newFieldSet(cfg.CatalogFields)
	for _, e := range []string{"contacts", "companies"} {
		fs := a.fields[e]
		fs.add(&customField{ID: a.cfg.PhoneField, Name: "Телефон", Type: "multitext", Code: "PHONE", Enums: phoneEnums})
		fs.add(&customField{ID: a.cfg.EmailField, Name: "Email", Type: "multitext", Code: "EMAIL", Enums: emailEnums})
	}
	names := make([]string, 0, len(cfg.Tags))
	for name := range cfg.Tags {
		names = append(names, name)
	}
	slices.SortFunc(names, func(x, y string) int { return int(cfg.Tags[x] - cfg.Tags[y]) })
	for _, name := range names {
		a.tags["leads"] = append(a.tags["leads"], Tag{ID: cfg.Tags[name], Name: name})
	}
	return a
}

// newID hands out the next free id of a kind.
func (a *account) newID(kind int) int64 {
	for {
		a.lastID[kind]++
		id := a.idBase + int64(kind)*10_000_000 + a.lastID[kind]
		if !a.taken[id] {
			a.taken[id] = true
			return id
		}
	}
}

// claimID takes an explicit id (seeding) or, when zero, a new one.
func (a *account) claimID(kind int, id int64) int64 {
	if id == 0 {
		return a.newID(kind)
	}
	a.taken[id] = true
	return id
}

// defaultUser is who API writes are attributed to: the first configured user.
func (a *account) defaultUser() int64 {
	if len(a.cfg.Users) > 0 {
		return a.cfg.Users[0].ID
	}
	return 0
}

// Custom fields.

var (
	phoneEnums = []string{"WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"}
	emailEnums = []string{"WORK", "PRIV", "OTHER"}
)

// customField is a custom field definition of an entity type.
type customField struct {
	ID    int64
	Name  string
	Type  string // text, multitext, …
	Code  string // PHONE, EMAIL or ""
	Enums []string
}

// enumID is the id of the field's i-th enum; amoCRM ids are global, these
// are derived from the field id so they are too.
func (f *customField) enumID(i int) int64 { return f.ID*10 + int64(i) + 1 }

// fieldSet is the custom fields of one entity type.
type fieldSet struct {
	open bool // nothing configured: any id is accepted and registered
	byID map[int64]*customField
	ids  []int64
}

func (a *account) newFieldSet(ids []int64) *fieldSet {
	fs := &fieldSet{open: len(ids) == 0, byID: map[int64]*customField{}}
	for _, id := range ids {
		name := a.cfg.FieldNames[id]
		if name == "" {
			name = fmt.Sprintf("Поле %d", id)
		}
		typ := a.cfg.FieldTypes[id]
		if typ == "" {
			typ = "text"
		}
		fs.add(&customField{ID: id, Name: name, Type: typ})
	}
	return fs
}

func (fs *fieldSet) add(f *customField) {
	if _, ok := fs.byID[f.ID]; !ok {
		fs.ids = append(fs.ids, f.ID)
	}
	fs.byID[f.ID] = f
}

// lookup finds a field by id, registering unknown ids in an open set.
func (fs *fieldSet) lookup(id int64) (*customField, bool) {
	if f, ok := fs.byID[id]; ok {
		return f, true
	}
	if fs.open && id > 0 {
		f := &customField{ID: id, Name: fmt.Sprintf("Поле %d", id), Type: "text"}
		fs.add(f)
		return f, true
	}
	return nil, false
}

func (fs *fieldSet) byCode(code string) (*customField, bool) {
	for _, id := range fs.ids {
		if f := fs.byID[id]; f.Code != "" && strings.EqualFold(f.Code, code) {
			return f, true
		}
	}
	return nil, false
}

// normalizeFields fills field codes and enum codes the way amoCRM stores
// them, for seeded values that name a field only by code or only by id.
func (a *account) normalizeFields(entity string, fs []FieldValue) []FieldValue {
	set := a.fields[entity]
	out := cloneFields(fs)
	for i := range out {
		f := &out[i]
		if f.FieldID == 0 && f.FieldCode != "" {
			if def, ok := set.byCode(f.FieldCode); ok {
				f.FieldID = def.ID
			}
		}
		def, ok := set.lookup(f.FieldID)
		if !ok {
			continue
		}
		f.FieldCode = def.Code
		for j := range f.Values {
			fillEnum(def, &f.Values[j])
		}
	}
	return out
}

// fillEnum completes a value of an enum field: the code from the id or the
// id from the code, WORK when neither is given. It reports an unknown enum.
func fillEnum(def *customField, v *Value) bool {
	if len(def.Enums) == 0 {
		return true
	}
	if v.EnumID == 0 && v.EnumCode == "" {
		v.EnumCode = def.Enums[0]
	}
	for i, code := range def.Enums {
		if v.EnumID == def.enumID(i) || (v.EnumID == 0 && strings.EqualFold(v.EnumCode, code)) {
			v.EnumID, v.EnumCode = def.enumID(i), code
			return true
		}
	}
	return false
}

// Tags.

// findTag resolves a tag by id, or by name when the id is zero. Names
// compare case-insensitively.
func (a *account) findTag(entity string, t Tag) (Tag, bool) {
	for _, have := range a.tags[entity] {
		if (t.ID != 0 && have.ID == t.ID) || (t.ID == 0 && strings.EqualFold(have.Name, strings.TrimSpace(t.Name))) {
			return have, true
		}
	}
	return Tag{}, false
}

// ensureTags resolves tags, creating the ones given by an unknown name.
func (a *account) ensureTags(entity string, tags []Tag) []Tag {
	var out []Tag
	for _, t := range tags {
		have, ok := a.findTag(entity, t)
		if !ok {
			have = Tag{ID: a.claimID(kindTag, t.ID), Name: strings.TrimSpace(t.Name)}
			a.tags[entity] = append(a.tags[entity], have)
		}
		if !slices.Contains(out, have) {
			out = append(out, have)
		}
	}
	return out
}

// Links.

// linkOrder decides which side of a link is stored as its source, so each
// pair of entities is stored once whichever side linked it.
var linkOrder = map[string]int{"leads": 0, "contacts": 1, "companies": 2, "catalog_elements": 3}

func (l Link) flipped() Link {
	return Link{l.ToEntityType, l.ToEntityID, l.EntityType, l.EntityID, l.Metadata}
}

func (l Link) normalized() Link {
	if linkOrder[l.EntityType] > linkOrder[l.ToEntityType] {
		return l.flipped()
	}
	return l
}

func (l Link) joins(t1 string, id1 int64, t2 string, id2 int64) bool {
	return l.EntityType == t1 && l.EntityID == id1 && l.ToEntityType == t2 && l.ToEntityID == id2
}

// link adds a link or, when the two are linked already, updates its
// metadata: linking twice is harmless, as in amoCRM. A lead and a contact
// have at most one company; linking another one replaces it.
func (a *account) link(l Link) {
	l = l.normalized()
	if l.ToEntityType == "companies" && (l.EntityType == "leads" || l.EntityType == "contacts") {
		a.links = slices.DeleteFunc(a.links, func(x Link) bool {
			return x.EntityType == l.EntityType && x.EntityID == l.EntityID && x.ToEntityType == "companies" && x.ToEntityID != l.ToEntityID
		})
	}
	meta := map[string]any{}
	i := slices.IndexFunc(a.links, func(x Link) bool { return x.joins(l.EntityType, l.EntityID, l.ToEntityType, l.ToEntityID) })
	if i >= 0 {
		for k, v := range a.links[i].Metadata {
			meta[k] = v
		}
	}
	for k, v := range l.Metadata {
		meta[k] = v
	}
	if l.EntityType == "leads" && l.ToEntityType == "contacts" {
		// The first contact of a lead is its main contact; is_main moves the role.
		main := l.Metadata["is_main"] == true || l.Metadata["main_contact"] == true
		switch {
		case main:
			for j, x := range a.links {
				if x.EntityType == "leads" && x.EntityID == l.EntityID && x.ToEntityType == "contacts" {
					a.links[j].Metadata = map[string]any{"main_contact": false}
				}
			}
		case i >= 0:
			main = a.links[i].Metadata["main_contact"] == true
		default:
			main = len(a.linked("leads", l.EntityID, "contacts")) == 0
		}
		meta = map[string]any{"main_contact": main}
	}
	if len(meta) == 0 {
		meta = nil
	}
	l.Metadata = meta
	if i >= 0 {
		a.links[i] = l
	} else {
		a.links = append(a.links, l)
	}
}

// unlink removes the link between two entities, if any.
func (a *account) unlink(l Link) {
	l = l.normalized()
	a.links = slices.DeleteFunc(a.links, func(x Link) bool { return x.joins(l.EntityType, l.EntityID, l.ToEntityType, l.ToEntityID) })
}

// linksOf lists the links of one entity, seen from its side.
func (a *account) linksOf(entity string, id int64) []Link {
	var out []Link
	for _, l := range a.links {
		switch {
		case l.EntityType == entity && l.EntityID == id:
			out = append(out, l)
		case l.ToEntityType == entity && l.ToEntityID == id:
			out = append(out, l.flipped())
		}
	}
	return out
}

// linked lists the ids of the entities of type to linked to one entity,
// the main contact first.
func (a *account) linked(entity string, id int64, to string) []int64 {
	var out []int64
	for _, l := range a.linksOf(entity, id) {
		if l.ToEntityType != to {
			continue
		}
		if l.Metadata["main_contact"] == true {
			out = slices.Insert(out, 0, l.ToEntityID)
		} else {
			out = append(out, l.ToEntityID)
		}
	}
	return out
}

// exists reports whether an entity that can be linked exists.
func (a *account) exists(entity string, id int64) bool {
	switch entity {
	case "leads":
		return a.leads[id] != nil
	case "contacts":
		return a.contacts[id] != nil
	case "companies":
		return a.companies[id] != nil
	case "catalog_elements":
		return a.elements[id] != nil
	}
	return false
}

// Events.

func (a *account) event(at int64, typ, entityType string, id int64, before, after []any) {
	a.lastID[kindEvent]++
	a.events = append(a.events, Event{
		ID: fmt.Sprintf("01fake%020d", a.lastID[kindEvent]), Type: typ, EntityType: entityType, EntityID: id,
		CreatedBy: a.defaultUser(), CreatedAt: at, ValueBefore: before, ValueAfter: after,
	})
}

func leadStatus(l *Lead) []any {
	return []any{map[string]any{"lead_status": map[string]any{"id": l.StatusID, "pipeline_id": l.PipelineID}}}
}
