package amofake

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

func catalogRoutes(s *Server) {
	s.route("GET /api/v4/catalogs", listCatalogs)
	s.route("GET /api/v4/catalogs/{cat}", func(a *account, q *request) response {
		id, _ := q.id("cat")
		if !a.catalogs[id] {
			return noContent()
		}
		return hal(200, a.renderCatalog(q, id))
	})
	s.route("GET /api/v4/catalogs/{cat}/custom_fields", func(a *account, q *request) response {
		if id, _ := q.id("cat"); !a.catalogs[id] {
			return noContent()
		}
		return listFields(a, q, "catalogs")
	})
	s.route("GET /api/v4/catalogs/{cat}/elements", listElements)
	s.route("GET /api/v4/catalogs/{cat}/elements/{id}", func(a *account, q *request) response {
		cat, _ := q.id("cat")
		id, _ := q.id("id")
		if el := a.elements[id]; el != nil && el.CatalogID == cat {
			return hal(200, a.renderElement(q, el))
		}
		return noContent()
	})
	s.route("POST /api/v4/catalogs/{cat}/elements", func(a *account, q *request) response { return writeElements(a, q, false) })
	s.route("PATCH /api/v4/catalogs/{cat}/elements", func(a *account, q *request) response { return writeElements(a, q, true) })
	s.route("PATCH /api/v4/catalogs/{cat}/elements/{id}", patchElement)
	s.route("GET /api/v2/catalog_elements", v2Elements)
	s.route("POST /api/v2/catalog_elements", v2WriteElements)
}

func listCatalogs(a *account, q *request) response {
	ids := make([]int64, 0, len(a.catalogs))
	for id := range a.catalogs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return page(q, "catalogs", ids, 250, func(id int64) any { return a.renderCatalog(q, id) })
}

func (a *account) renderCatalog(q *request, id int64) map[string]any {
	return map[string]any{"id": id, "name": fmt.Sprintf("Каталог %d", id), "created_by": 0, "updated_by": 0,
		"created_at": 0, "updated_at": 0, "sort": 10, "type": "regular", "can_add_elements": true,
		"can_show_in_cards": true, "can_link_multiple": true, "can_be_deleted": true, "sdk_widget_code": nil,
		"account_id": a.cfg.AccountID, "_links": q.href("/api/v4/catalogs/%d", id)}
}

func (a *account) renderElement(q *request, el *CatalogElement) map[string]any {
	return map[string]any{"id": el.ID, "name": el.Name, "created_by": el.CreatedBy, "updated_by": el.UpdatedBy,
		"created_at": el.CreatedAt, "updated_at": el.UpdatedAt, "is_deleted": el.IsDeleted,
		"custom_fields_values": a.renderFields("catalogs", el.CustomFields), "catalog_id": el.CatalogID,
		"account_id": a.cfg.AccountID, "_links": q.href("/api/v4/catalogs/%d/elements/%d", el.CatalogID, el.ID)}
}

// listElements serves GET /catalogs/{cat}/elements with query= (over the
// name and every field value) and filter[id].
func listElements(a *account, q *request) response {
	cat, _ := q.id("cat")
	v := q.URL.Query()
	ids := queryInts(v, "filter[id]")
	query := v.Get("query")
	var items []*CatalogElement
	for _, el := range a.elements {
		if el.CatalogID == cat && (len(ids) == 0 || slices.Contains(ids, el.ID)) &&
			matches(query, []string{el.Name}, el.CustomFields, true) {
			items = append(items, el)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	return page(q, "elements", items, 250, func(el *CatalogElement) any { return a.renderElement(q, el) })
}

// readElement reads an element's fields into el.
func (a *account) readElement(rd reader, el *CatalogElement) {
	rd.str("name", &el.Name)
	rd.int("created_by", &el.CreatedBy)
	rd.int("created_at", &el.CreatedAt)
	rd.int("updated_at", &el.UpdatedAt)
	a.readFields(rd, "catalogs", &el.CustomFields)
	if el.Name == "" {
		rd.missing("name")
	}
}

// writeElements serves POST and PATCH /catalogs/{cat}/elements. amoCRM
// answers both with the whole elements.
func writeElements(a *account, q *request, patch bool) response {
	cat, _ := q.id("cat")
	if !a.catalogs[cat] {
		return problem(404, "Not Found", "Catalog not found")
	}
	els, rids, resp, ok := readBatch(q.body, func(rd reader) *CatalogElement {
		el := &CatalogElement{CatalogID: cat, CreatedBy: a.defaultUser(), UpdatedBy: a.defaultUser(),
			CreatedAt: q.unix(), UpdatedAt: q.unix()}
		if patch {
			var id int64
			rd.int("id", &id)
			if old := a.elements[id]; old == nil || old.CatalogID != cat {
				rd.notFound("id")
			} else {
				el = old.clone()
				el.UpdatedAt = q.unix()
			}
		}
		a.readElement(rd, el)
		return el
	})
	if !ok {
		return resp
	}
	out := []any{}
	for i, el := range els {
		if el.ID == 0 {
			el.ID = a.newID(kindElement)
		}
		a.elements[el.ID] = el
		m := a.renderElement(q, el)
		m["request_id"] = rids[i]
		out = append(out, m)
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/catalogs/%d/elements", cat),
		"_embedded": map[string]any{"elements": out}})
}

func patchElement(a *account, q *request) response {
	cat, _ := q.id("cat")
	id, _ := q.id("id")
	o, resp, ok := single(q.body)
	if !ok {
		return resp
	}
	rd := newReader(o)
	old := a.elements[id]
	if old == nil || old.CatalogID != cat {
		rd.notFound("id")
		return validationFailed([]entityErrors{{"0", *rd.errs}})
	}
	el := old.clone()
	el.UpdatedAt = q.unix()
	a.readElement(rd, el)
	if !rd.ok() {
		return validationFailed([]entityErrors{{"0", *rd.errs}})
	}
	a.elements[id] = el
	return hal(200, a.renderElement(q, el))
}

// deleteElement removes an element and its links; only the legacy v2 API can.
func (a *account) deleteElement(id int64) {
	delete(a.elements, id)
	a.links = slices.DeleteFunc(a.links, func(l Link) bool {
		return (l.EntityType == "catalog_elements" && l.EntityID == id) || (l.ToEntityType == "catalog_elements" && l.ToEntityID == id)
	})
}

// The legacy v2 API.

// v2Elements serves GET /api/v2/catalog_elements?catalog_id=&id=&term=&page=
// (50 per page) in the v2 shape: _embedded.items[{id, name, custom_fields}].
func v2Elements(a *account, q *request) response {
	v := q.URL.Query()
	cat, _ := strconv.ParseInt(v.Get("catalog_id"), 10, 64)
	ids := queryInts(v, "id")
	term := v.Get("term")
	var items []*CatalogElement
	for _, el := range a.elements {
		if (cat == 0 || el.CatalogID == cat) && (len(ids) == 0 || slices.Contains(ids, el.ID)) &&
			matches(term, []string{el.Name}, el.CustomFields, true) {
			items = append(items, el)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	pg, _ := strconv.Atoi(v.Get("page"))
	pg = max(pg, 1)
	start := (pg - 1) * 50
	if start >= len(items) {
		return noContent()
	}
	out := []any{}
	for _, el := range items[start:min(start+50, len(items))] {
		out = append(out, a.renderV2(q, el))
	}
	return hal(200, map[string]any{
		"_links":    map[string]any{"self": map[string]string{"href": "/api/v2/catalog_elements?" + q.URL.RawQuery, "method": "get"}},
		"_embedded": map[string]any{"items": out}})
}

func (a *account) renderV2(q *request, el *CatalogElement) map[string]any {
	fields := []any{}
	for _, f := range el.CustomFields {
		name := ""
		if def := a.fields["catalogs"].byID[f.FieldID]; def != nil {
			name = def.Name
		}
		values := []any{}
		for _, v := range f.Values {
			values = append(values, map[string]any{"value": valueText(v.Value)})
		}
		fields = append(fields, map[string]any{"id": f.FieldID, "name": name, "values": values, "is_system": false})
	}
	return map[string]any{"id": el.ID, "name": el.Name, "catalog_id": el.CatalogID, "created_by": el.CreatedBy,
		"date_create": el.CreatedAt, "is_deleted": false, "custom_fields": fields,
		"_links": map[string]any{"self": map[string]string{"href": fmt.Sprintf("/api/v2/catalog_elements?id=%d", el.ID), "method": "get"}}}
}

// v2WriteElements serves POST /api/v2/catalog_elements
// {"add":[…],"update":[…],"delete":[ids]}; deleting is only possible here.
func v2WriteElements(a *account, q *request) response {
	var body struct {
		Add    []map[string]json.RawMessage `json:"add"`
		Update []map[string]json.RawMessage `json:"update"`
		Delete []json.Number                `json:"delete"`
	}
	if err := json.Unmarshal(q.body, &body); err != nil {
		return problem(400, "Bad Request", "Request body is invalid")
	}
	var bad []entityErrors
	var els []*CatalogElement
	for i, o := range append(body.Add, body.Update...) {
		rd := newReader(o)
		el := &CatalogElement{CreatedBy: a.defaultUser(), UpdatedBy: a.defaultUser(), CreatedAt: q.unix(), UpdatedAt: q.unix()}
		if i >= len(body.Add) {
			var id int64
			rd.int("id", &id)
			if old := a.elements[id]; old == nil {
				rd.notFound("id")
			} else {
				el = old.clone()
				el.UpdatedAt = q.unix()
			}
		}
		if rd.int("catalog_id", &el.CatalogID) && !a.catalogs[el.CatalogID] {
			rd.badChoice("catalog_id")
		} else if el.CatalogID == 0 {
			rd.missing("catalog_id")
		}
		rd.str("name", &el.Name)
		a.readV2Fields(rd, &el.CustomFields)
		if !rd.ok() {
			bad = append(bad, entityErrors{strconv.Itoa(i), *rd.errs})
			continue
		}
		els = append(els, el)
	}
	if len(bad) > 0 {
		return validationFailed(bad)
	}
	out := []any{}
	for _, el := range els {
		if el.ID == 0 {
			el.ID = a.newID(kindElement)
		}
		a.elements[el.ID] = el
		out = append(out, map[string]any{"id": el.ID,
			"_links": map[string]any{"self": map[string]string{"href": fmt.Sprintf("/api/v2/catalog_elements?id=%d", el.ID), "method": "get"}}})
	}
	for _, n := range body.Delete {
		if id, err := n.Int64(); err == nil {
			a.deleteElement(id)
		}
	}
	return hal(200, map[string]any{
		"_links":    map[string]any{"self": map[string]string{"href": "/api/v2/catalog_elements", "method": "post"}},
		"_embedded": map[string]any{"items": out}})
}

// readV2Fields reads v2 custom_fields: [{"id":…,"values":[{"value":…}]}]
// (values may also be bare scalars), replacing the fields given.
func (a *account) readV2Fields(rd reader, dst *[]FieldValue) {
	items, _ := rd.objects("custom_fields")
	for _, it := range items {
		var id int64
		it.int("id", &id)
		def, ok := a.fields["catalogs"].lookup(id)
		if !ok {
			it.badChoice("id")
			continue
		}
		f := FieldValue{FieldID: def.ID}
		raw, _ := it.value("values")
		list, _ := raw.([]any)
		for _, v := range list {
			if m, ok := v.(map[string]any); ok {
				v = m["value"]
			}
			f.Values = append(f.Values, Value{Value: v})
		}
		i := slices.IndexFunc(*dst, func(x FieldValue) bool { return x.FieldID == def.ID })
		switch {
		case i >= 0 && len(f.Values) == 0:
			*dst = slices.Delete(*dst, i, i+1)
		case i >= 0:
			(*dst)[i] = f
		case len(f.Values) > 0:
			*dst = append(*dst, f)
		}
	}
}
