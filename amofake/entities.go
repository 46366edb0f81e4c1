package amofake

import (
	"net/url"
	"slices"
	"sort"
	"time"
)

// entity is a lead, contact or company: the three types whose endpoints
// differ only in a few fields. The generic handlers below serve all three.
type entity[T any] interface {
	entityType() string // leads, contacts or companies; works on a nil receiver
	common() common
	clone() T
	// readOwn reads the type's own fields from a write request and returns
	// the links to make once the entity is saved.
	readOwn(a *account, rd reader) []Link
	// settle fills the type's defaults and logs its events just before it
	// is saved; old is nil for a new entity.
	settle(a *account, old T, now int64)
	// renderOwn adds the type's own fields and _embedded entries.
	renderOwn(a *account, q *request, m, emb map[string]any, with map[string]bool)
	// hit reports whether a query= search finds the entity.
	hit(query string) bool
}

var kindOf = map[string]int{"leads": kindLead, "contacts": kindContact, "companies": kindCompany}

func render[T entity[T]](a *account, q *request, e T) map[string]any {
	m, emb := a.renderCommon(q, e.common())
	e.renderOwn(a, q, m, emb, with(q.URL.Query()))
	return m
}

// getOne serves GET /{entity}/{id}: 204 when there is no such entity.
func getOne[T entity[T]](a *account, q *request, m map[int64]T) response {
	id, _ := q.id("id")
	e, ok := m[id]
	if !ok || *e.common().isDeleted {
		return noContent()
	}
	return hal(200, render(a, q, e))
}

// getList serves GET /{entity} with query=, the common filters, order and
// pages; keep applies the type's own filters.
func getList[T entity[T]](a *account, q *request, m map[int64]T, keep func(T) bool) response {
	v := q.URL.Query()
	ids := queryInts(v, "filter[id]")
	users := queryInts(v, "filter[responsible_user_id]")
	names := queryStrings(v, "filter[name]")
	query := v.Get("query")
	var items []T
	for _, e := range m {
		c := e.common()
		switch {
		case *c.isDeleted,
			len(ids) > 0 && !slices.Contains(ids, *c.id),
			len(users) > 0 && !slices.Contains(users, *c.responsible),
			len(names) > 0 && !slices.Contains(names, *c.name),
			!inRange(v, "filter[created_at]", *c.createdAt),
			!inRange(v, "filter[updated_at]", *c.updatedAt),
			query != "" && !e.hit(query),
			query != "" && q.now.Sub(time.Unix(*c.createdAt, 0)) < a.faults.SearchLag,
			keep != nil && !keep(e):
			continue
		}
		items = append(items, e)
	}
	sortEntities(items, v)
	var zero T
	return page(q, zero.entityType(), items, 250, func(e T) any { return render(a, q, e) })
}

// sortEntities applies order[id|created_at|updated_at]=asc|desc.
func sortEntities[T entity[T]](items []T, v url.Values) {
	field, desc := orderParam(v)
	key := func(e T) int64 {
		c := e.common()
		switch field {
		case "created_at":
			return *c.createdAt
		case "updated_at":
			return *c.updatedAt
		}
		return *c.id
	}
	sort.SliceStable(items, func(i, j int) bool {
		ki, kj := key(items[i]), key(items[j])
		if ki == kj {
			ki, kj = *items[i].common().id, *items[j].common().id
		}
		if desc {
			return ki > kj
		}
		return ki < kj
	})
}

// fresh prepares a new entity before the request's fields are read: now
// for both times and the integration's user as author and responsible.
func fresh[T entity[T]](a *account, e T, now int64) T {
	c := e.common()
	*c.createdAt, *c.updatedAt = now, now
	u := a.defaultUser()
	*c.createdBy, *c.updatedBy, *c.responsible = u, u, u
	return e
}

// change reads an update of old into a copy of it.
func change[T entity[T]](a *account, q *request, rd reader, old T) (T, []Link) {
	e := old.clone()
	c := e.common()
	*c.updatedAt, *c.updatedBy = q.unix(), a.defaultUser()
	a.readCommon(rd, c)
	return e, e.readOwn(a, rd)
}

// save stores a new (old is nil) or changed entity: it takes an id for a
// new one, creates the tags named for the first time, fills defaults and
// makes the links.
func save[T entity[T]](a *account, m map[int64]T, e, old T, links []Link, now int64) int64 {
	c := e.common()
	if *c.id == 0 {
		*c.id = a.newID(kindOf[e.entityType()])
	}
	*c.tags = a.ensureTags(c.entity, *c.tags)
	e.settle(a, old, now)
	m[*c.id] = e
	for _, l := range links {
		l.EntityID = *c.id
		a.link(l)
	}
	return *c.id
}

// create serves POST /{entity}: a batch that is saved whole or not at all.
func create[T entity[T]](a *account, q *request, m map[int64]T, blank func() T) response {
	type item struct {
		e     T
		links []Link
	}
	items, rids, resp, ok := readBatch(q.body, func(rd reader) item {
		e := fresh(a, blank(), q.unix())
		a.readCommon(rd, e.common())
		return item{e, e.readOwn(a, rd)}
	})
	if !ok {
		return resp
	}
	var zero T
	name := zero.entityType()
	out := []any{}
	for i, it := range items {
		id := save(a, m, it.e, zero, it.links, q.unix())
		out = append(out, map[string]any{"id": id, "request_id": rids[i], "_links": q.href("/api/v4/%s/%d", name, id)})
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/%s", name), "_embedded": map[string]any{name: out}})
}

// update serves PATCH /{entity}: a batch of partial updates naming ids.
func update[T entity[T]](a *account, q *request, m map[int64]T) response {
	type item struct {
		e, old T
		links  []Link
	}
	items, rids, resp, ok := readBatch(q.body, func(rd reader) item {
		var id int64
		if !rd.int("id", &id) && !rd.has("id") {
			rd.missing("id")
		}
		old, found := m[id]
		if rd.ok() && (!found || *old.common().isDeleted) {
			rd.notFound("id")
		}
		if !rd.ok() {
			return item{}
		}
		e, links := change(a, q, rd, old)
		return item{e, old, links}
	})
	if !ok {
		return resp
	}
	var zero T
	name := zero.entityType()
	out := []any{}
	for i, it := range items {
		id := save(a, m, it.e, it.old, it.links, q.unix())
		out = append(out, map[string]any{"id": id, "updated_at": *it.e.common().updatedAt, "request_id": rids[i],
			"_links": q.href("/api/v4/%s/%d", name, id)})
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/%s", name), "_embedded": map[string]any{name: out}})
}

// updateOne serves PATCH /{entity}/{id} with one object.
func updateOne[T entity[T]](a *account, q *request, m map[int64]T) response {
	o, resp, ok := single(q.body)
	if !ok {
		return resp
	}
	rd := newReader(o)
	id, _ := q.id("id")
	old, found := m[id]
	if !found || *old.common().isDeleted {
		rd.notFound("id")
		return validationFailed([]entityErrors{{"0", *rd.errs}})
	}
	e, links := change(a, q, rd, old)
	if !rd.ok() {
		return validationFailed([]entityErrors{{requestID(o, 0), *rd.errs}})
	}
	save(a, m, e, old, links, q.unix())
	return hal(200, map[string]any{"id": id, "updated_at": *e.common().updatedAt,
		"_links": q.href("/api/v4/%s/%d", e.entityType(), id)})
}

// entityRoutes registers the five endpoints every entity type has.
func entityRoutes[T entity[T]](s *Server, store func(*account) map[int64]T, blank func() T, keep func(*request) func(T) bool) {
	var zero T
	base := "/api/v4/" + zero.entityType()
	s.route("GET "+base, func(a *account, q *request) response {
		var f func(T) bool
		if keep != nil {
			f = keep(q)
		}
		return getList(a, q, store(a), f)
	})
	s.route("GET "+base+"/{id}", func(a *account, q *request) response { return getOne(a, q, store(a)) })
	s.route("POST "+base, func(a *account, q *request) response { return create(a, q, store(a), blank) })
	s.route("PATCH "+base, func(a *account, q *request) response { return update(a, q, store(a)) })
	s.route("PATCH "+base+"/{id}", func(a *account, q *request) response { return updateOne(a, q, store(a)) })
}
