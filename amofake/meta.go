package amofake

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// metaRoutes registers the account, users, tags, custom fields and events.
func metaRoutes(s *Server) {
	s.route("GET /api/v4/account", func(a *account, q *request) response {
		return hal(200, map[string]any{"id": a.cfg.AccountID, "name": a.cfg.Subdomain, "subdomain": a.cfg.Subdomain,
			"current_user_id": a.defaultUser(), "country": "RU", "currency": "RUB", "is_unsorted_on": true,
			"_links": q.href("/api/v4/account")})
	})
	s.route("GET /api/v4/users", func(a *account, q *request) response {
		return page(q, "users", a.cfg.Users, 250, func(u User) any { return renderUser(q, u) })
	})
	s.route("GET /api/v4/users/{id}", func(a *account, q *request) response {
		id, _ := q.id("id")
		for _, u := range a.cfg.Users {
			if u.ID == id {
				return hal(200, renderUser(q, u))
			}
		}
		return noContent()
	})
	for _, e := range []string{"leads", "contacts", "companies"} {
		s.route("GET /api/v4/"+e+"/tags", func(a *account, q *request) response { return listTags(a, q, e) })
		s.route("POST /api/v4/"+e+"/tags", func(a *account, q *request) response { return addTags(a, q, e) })
		s.route("GET /api/v4/"+e+"/custom_fields", func(a *account, q *request) response { return listFields(a, q, e) })
		s.route("POST /api/v4/"+e+"/custom_fields", func(a *account, q *request) response { return addFields(a, q, e) })
	}
	s.route("GET /api/v4/events", listEvents)
	s.route("GET /api/v4/leads/pipelines", listPipelines)
}

// listPipelines serves GET /leads/pipelines (one page, as amoCRM does).
func listPipelines(a *account, q *request) response {
	ps := a.cfg.Pipelines
	if len(ps) == 0 && a.cfg.DefaultPipelineID != 0 {
		ps = []Pipeline{{ID: a.cfg.DefaultPipelineID, Name: "Воронка", Statuses: []int64{a.cfg.DefaultStatusID}}}
	}
	out := []any{}
	for i, p := range ps {
		statuses := []any{}
		for j, id := range append(slices.Clone(p.Statuses), StatusWon, StatusLost) {
			if id == 0 {
				continue
			}
			color := "#99ccff" // amoCRM's colors: open stages, won, lost
			switch id {
			case StatusWon:
				color = "#CCFF66"
			case StatusLost:
				color = "#D5D8DB"
			}
			statuses = append(statuses, map[string]any{"id": id, "name": fmt.Sprintf("Этап %d", id), "sort": (j + 1) * 10, "color": color,
				"pipeline_id": p.ID, "is_editable": id != StatusWon && id != StatusLost, "type": 0, "account_id": a.cfg.AccountID})
		}
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("Воронка %d", p.ID)
		}
		out = append(out, map[string]any{"id": p.ID, "name": name, "sort": (i + 1) * 10, "is_main": i == 0,
			"is_unsorted_on": true, "is_archive": false, "account_id": a.cfg.AccountID,
			"_links": q.href("/api/v4/leads/pipelines/%d", p.ID), "_embedded": map[string]any{"statuses": statuses}})
	}
	return hal(200, map[string]any{"_total_items": len(out), "_links": q.href("/api/v4/leads/pipelines"),
		"_embedded": map[string]any{"pipelines": out}})
}

func renderUser(q *request, u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "lang": "ru",
		"rights": map[string]any{"is_active": !u.Inactive, "is_admin": false, "is_free": false, "group_id": nil, "role_id": nil},
		"_links": q.href("/api/v4/users/%d", u.ID)}
}

// listTags serves GET /{entity}/tags with query= and filter[name], filter[id].
func listTags(a *account, q *request, entity string) response {
	v := q.URL.Query()
	ids := queryInts(v, "filter[id]")
	names := queryStrings(v, "filter[name]")
	query := strings.ToLower(v.Get("query"))
	var items []Tag
	for _, t := range a.tags[entity] {
		if (len(ids) == 0 || slices.Contains(ids, t.ID)) &&
			(len(names) == 0 || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, t.Name) })) &&
			strings.Contains(strings.ToLower(t.Name), query) {
			items = append(items, t)
		}
	}
	return page(q, "tags", items, 250, func(t Tag) any { return map[string]any{"id": t.ID, "name": t.Name, "color": nil} })
}

// addTags serves POST /{entity}/tags; a name that exists answers the existing tag.
func addTags(a *account, q *request, entity string) response {
	tags, rids, resp, ok := readBatch(q.body, func(rd reader) Tag {
		var t Tag
		if !rd.str("name", &t.Name) || strings.TrimSpace(t.Name) == "" {
			rd.missing("name")
		}
		return t
	})
	if !ok {
		return resp
	}
	out := []any{}
	for i, t := range a.ensureTags(entity, tags) {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "color": nil, "request_id": rids[i]})
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/%s/tags", entity), "_embedded": map[string]any{"tags": out}})
}

// listFields serves GET /{entity}/custom_fields.
func listFields(a *account, q *request, entity string) response {
	set := a.fields[entity]
	return page(q, "custom_fields", set.ids, 50, func(id int64) any { return a.renderField(q, entity, set.byID[id]) })
}

func (a *account) renderField(q *request, entity string, f *customField) map[string]any {
	var code, enums any
	if f.Code != "" {
		code = f.Code
	}
	if len(f.Enums) > 0 {
		list := []any{}
		for i, e := range f.Enums {
			list = append(list, map[string]any{"id": f.enumID(i), "value": e, "sort": (i + 1) * 2})
		}
		enums = list
	}
	path := "/api/v4/" + entity + "/custom_fields/%d"
	if entity == "catalogs" {
		path = "/api/v4/catalogs/custom_fields/%d"
	}
	return map[string]any{"id": f.ID, "name": f.Name, "type": f.Type, "account_id": a.cfg.AccountID, "code": code,
		"sort": 500, "is_api_only": false, "enums": enums, "group_id": nil, "required_statuses": []any{},
		"is_deletable": f.Code == "", "is_predefined": f.Code != "", "entity_type": entity, "_links": q.href(path, f.ID)}
}

// addFields serves POST /{entity}/custom_fields: [{"name","type","code"}].
func addFields(a *account, q *request, entity string) response {
	fields, rids, resp, ok := readBatch(q.body, func(rd reader) *customField {
		f := &customField{Type: "text"}
		if !rd.str("name", &f.Name) || f.Name == "" {
			rd.missing("name")
		}
		rd.str("type", &f.Type)
		rd.str("code", &f.Code)
		return f
	})
	if !ok {
		return resp
	}
	out := []any{}
	for i, f := range fields {
		f.ID = a.newID(kindField)
		a.fields[entity].add(f)
		m := a.renderField(q, entity, f)
		m["request_id"] = rids[i]
		out = append(out, m)
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/%s/custom_fields", entity),
		"_embedded": map[string]any{"custom_fields": out}})
}

// afterStatusKey is a stage of filter[value_after][leads_statuses].
var afterStatusKey = regexp.MustCompile(`^filter\[value_after\]\[leads_statuses\]\[(\d+)\]\[(pipeline_id|status_id)\]$`)

// listEvents serves GET /events with filter[entity], filter[entity_id],
// filter[type], filter[created_at] and, for lead_status_changed,
// filter[value_after][leads_statuses][i][pipeline_id|status_id], newest
// first, 100 at most per page.
func listEvents(a *account, q *request) response {
	v := q.URL.Query()
	entered, stages := stageFilter(v, afterStatusKey)
	entities := queryStrings(v, "filter[entity]")
	ids := queryInts(v, "filter[entity_id]")
	types := queryStrings(v, "filter[type]")
	// filter[entity] is "lead" in amoCRM; accept the plural too.
	singular := map[string]string{"leads": "lead", "contacts": "contact", "companies": "company"}
	for i, s := range entities {
		if one, ok := singular[s]; ok {
			entities[i] = one
		}
	}
	var items []Event
	for _, e := range slices.Backward(a.events) {
		if (len(entities) == 0 || slices.Contains(entities, e.EntityType)) &&
			(len(ids) == 0 || slices.Contains(ids, e.EntityID)) &&
			(len(types) == 0 || slices.Contains(types, e.Type)) &&
			inRange(v, "filter[created_at]", e.CreatedAt) && (stages == 0 || enteredStage(e, entered)) {
			items = append(items, e)
		}
	}
	return page(q, "events", items, 100, func(e Event) any {
		return map[string]any{"id": e.ID, "type": e.Type, "entity_id": e.EntityID, "entity_type": e.EntityType,
			"created_by": e.CreatedBy, "created_at": e.CreatedAt, "value_after": orEmpty(e.ValueAfter),
			"value_before": orEmpty(e.ValueBefore), "account_id": a.cfg.AccountID,
			"_links": q.href("/api/v4/events/%s", e.ID)}
	})
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// enteredStage reports whether e's value_after names a lead stage that
// accepts takes.
func enteredStage(e Event, accepts func(pipeline, status int64) bool) bool {
	for _, v := range e.ValueAfter {
		m, _ := v.(map[string]any)
		st, _ := m["lead_status"].(map[string]any)
		if st == nil {
			continue
		}
		p, _ := st["pipeline_id"].(int64)
		s, _ := st["id"].(int64)
		if accepts(p, s) {
			return true
		}
	}
	return false
}
