package amofake

import (
	"encoding/json"
	"slices"
)

func linkRoutes(s *Server) {
	for _, e := range []string{"leads", "contacts", "companies"} {
		s.route("GET /api/v4/"+e+"/{id}/links", func(a *account, q *request) response { return listLinks(a, q, e) })
		s.route("POST /api/v4/"+e+"/{id}/link", func(a *account, q *request) response { return addLinks(a, q, e, true, false) })
		s.route("POST /api/v4/"+e+"/link", func(a *account, q *request) response { return addLinks(a, q, e, false, false) })
		s.route("POST /api/v4/"+e+"/{id}/unlink", func(a *account, q *request) response { return addLinks(a, q, e, true, true) })
		s.route("POST /api/v4/"+e+"/unlink", func(a *account, q *request) response { return addLinks(a, q, e, false, true) })
	}
}

// listLinks serves GET /{entity}/{id}/links with filter[to_entity_type]
// and filter[to_entity_id].
func listLinks(a *account, q *request, entity string) response {
	id, _ := q.id("id")
	v := q.URL.Query()
	types := queryStrings(v, "filter[to_entity_type]")
	ids := queryInts(v, "filter[to_entity_id]")
	out := []any{}
	for _, l := range a.linksOf(entity, id) {
		if (len(types) == 0 || slices.Contains(types, l.ToEntityType)) && (len(ids) == 0 || slices.Contains(ids, l.ToEntityID)) {
			out = append(out, renderLink(l))
		}
	}
	if len(out) == 0 {
		return noContent()
	}
	return hal(200, map[string]any{"_total_items": len(out), "_links": q.href("/api/v4/%s/%d/links", entity, id),
		"_embedded": map[string]any{"links": out}})
}

func renderLink(l Link) map[string]any {
	return map[string]any{"entity_id": l.EntityID, "entity_type": l.EntityType, "to_entity_id": l.ToEntityID,
		"to_entity_type": l.ToEntityType, "metadata": l.Metadata}
}

// addLinks serves POST /{entity}/{id}/link, /{entity}/link (entity_id in
// each item) and their unlink twins. Linking twice only updates metadata.
func addLinks(a *account, q *request, entity string, inPath, remove bool) response {
	pathID, _ := q.id("id")
	links, _, resp, ok := readBatch(q.body, func(rd reader) Link {
		l := Link{EntityType: entity, EntityID: pathID}
		if !inPath && !rd.int("entity_id", &l.EntityID) {
			rd.missing("entity_id")
		}
		if rd.ok() && !a.exists(entity, l.EntityID) {
			rd.notFound("entity_id")
		}
		if !rd.str("to_entity_type", &l.ToEntityType) {
			rd.missing("to_entity_type")
		} else if _, known := linkOrder[l.ToEntityType]; !known || l.ToEntityType == entity {
			rd.badChoice("to_entity_type")
		}
		if !rd.int("to_entity_id", &l.ToEntityID) {
			rd.missing("to_entity_id")
		} else if !a.exists(l.ToEntityType, l.ToEntityID) {
			rd.notFound("to_entity_id")
		}
		if meta, ok := rd.value("metadata"); ok {
			l.Metadata, _ = meta.(map[string]any)
		}
		if rd.ok() && l.ToEntityType == "catalog_elements" && !remove {
			a.catalogMetadata(rd, &l)
		}
		return l
	})
	if !ok {
		return resp
	}
	if remove {
		for _, l := range links {
			a.unlink(l)
		}
		return noContent()
	}
	out := []any{}
	for _, l := range links {
		a.link(l)
		for _, have := range a.linksOf(l.EntityType, l.EntityID) {
			if have.ToEntityType == l.ToEntityType && have.ToEntityID == l.ToEntityID {
				out = append(out, renderLink(have))
			}
		}
	}
	return hal(200, map[string]any{"_total_items": len(out), "_links": q.href("/api/v4/%s/link", entity),
		"_embedded": map[string]any{"links": out}})
}

// catalogMetadata checks and completes a catalog element link's metadata:
// catalog_id must be the element's catalog; quantity defaults to 1.
func (a *account) catalogMetadata(rd reader, l *Link) {
	el := a.elements[l.ToEntityID]
	meta := map[string]any{}
	for k, v := range l.Metadata {
		meta[k] = v
	}
	if c, ok := meta["catalog_id"]; ok {
		if n, ok := asInt(c); !ok || n != el.CatalogID {
			rd.badChoice("metadata.catalog_id")
			return
		}
	}
	meta["catalog_id"] = el.CatalogID
	if _, ok := meta["quantity"]; !ok {
		meta["quantity"] = 1
	}
	l.Metadata = meta
}

// asInt reads a whole number from a decoded JSON value or a Go int.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case int:
		return int64(v), true
	case int64:
		return v, true
	case float64:
		return int64(v), v == float64(int64(v))
	}
	return 0, false
}
