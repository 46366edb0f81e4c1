package amofake

import (
	"slices"
	"sort"
)

// noteTypes are the note types the fake accepts. Params are kept as sent;
// only common and service_message have their text checked.
var noteTypes = []string{"common", "call_in", "call_out", "service_message", "extended_service_message",
	"message_cashier", "geolocation", "sms_in", "sms_out", "attachment"}

func noteRoutes(s *Server) {
	for _, e := range []string{"leads", "contacts", "companies"} {
		s.route("POST /api/v4/"+e+"/notes", func(a *account, q *request) response { return addNotes(a, q, e, 0) })
		s.route("POST /api/v4/"+e+"/{id}/notes", func(a *account, q *request) response {
			id, _ := q.id("id")
			return addNotes(a, q, e, id)
		})
		s.route("GET /api/v4/"+e+"/notes", func(a *account, q *request) response { return listNotes(a, q, e, 0) })
		s.route("GET /api/v4/"+e+"/{id}/notes", func(a *account, q *request) response {
			id, ok := q.id("id")
			if !ok {
				return noContent()
			}
			return listNotes(a, q, e, id)
		})
		s.route("GET /api/v4/"+e+"/{id}/notes/{note}", func(a *account, q *request) response {
			id, _ := q.id("id")
			nid, _ := q.id("note")
			n := a.notes[nid]
			if n == nil || n.EntityType != e || n.EntityID != id {
				return noContent()
			}
			return hal(200, a.renderNote(q, n))
		})
	}
}

// addNotes serves POST /{entity}/notes and /{entity}/{id}/notes (where the
// path gives the entity_id).
func addNotes(a *account, q *request, entity string, pathID int64) response {
	notes, rids, resp, ok := readBatch(q.body, func(rd reader) *Note {
		u := a.defaultUser()
		n := &Note{EntityType: entity, EntityID: pathID, ResponsibleUserID: u, CreatedBy: u, UpdatedBy: u,
			CreatedAt: q.unix(), UpdatedAt: q.unix()}
		if pathID == 0 && !rd.int("entity_id", &n.EntityID) && !rd.has("entity_id") {
			rd.missing("entity_id")
		} else if !a.exists(entity, n.EntityID) {
			rd.notFound("entity_id")
		}
		if !rd.str("note_type", &n.NoteType) && !rd.has("note_type") {
			rd.missing("note_type")
		} else if !slices.Contains(noteTypes, n.NoteType) {
			rd.badChoice("note_type")
		}
		rd.int("responsible_user_id", &n.ResponsibleUserID)
		rd.int("created_by", &n.CreatedBy)
		rd.int("created_at", &n.CreatedAt)
		n.Params = map[string]any{}
		if p, ok := rd.value("params"); ok {
			if m, ok := p.(map[string]any); ok {
				n.Params = m
			} else if p != nil {
				rd.fail("InvalidType", "params", "This value should be of type object.")
			}
		}
		need := map[string][]string{"common": {"text"}, "service_message": {"service", "text"}}[n.NoteType]
		for _, k := range need {
			if s, _ := n.Params[k].(string); s == "" {
				rd.missing("params." + k)
			}
		}
		return n
	})
	if !ok {
		return resp
	}
	out := []any{}
	for i, n := range notes {
		n.ID = a.newID(kindNote)
		a.notes[n.ID] = n
		out = append(out, map[string]any{"id": n.ID, "entity_id": n.EntityID, "request_id": rids[i],
			"_links": q.href("/api/v4/%s/%d/notes/%d", entity, n.EntityID, n.ID)})
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/%s/notes", entity), "_embedded": map[string]any{"notes": out}})
}

// listNotes serves GET /{entity}/notes and /{entity}/{id}/notes with
// filter[note_type], filter[id], filter[entity_id] and filter[updated_at].
func listNotes(a *account, q *request, entity string, entityID int64) response {
	v := q.URL.Query()
	types := queryStrings(v, "filter[note_type]")
	ids := queryInts(v, "filter[id]")
	entityIDs := queryInts(v, "filter[entity_id]")
	var items []*Note
	for _, n := range a.notes {
		switch {
		case n.EntityType != entity,
			entityID != 0 && n.EntityID != entityID,
			len(types) > 0 && !slices.Contains(types, n.NoteType),
			len(ids) > 0 && !slices.Contains(ids, n.ID),
			len(entityIDs) > 0 && !slices.Contains(entityIDs, n.EntityID),
			!inRange(v, "filter[updated_at]", n.UpdatedAt):
			continue
		}
		items = append(items, n)
	}
	field, desc := orderParam(v)
	sort.Slice(items, func(i, j int) bool {
		x, y := items[i].ID, items[j].ID
		if field == "updated_at" && items[i].UpdatedAt != items[j].UpdatedAt {
			x, y = items[i].UpdatedAt, items[j].UpdatedAt
		}
		return (x < y) != desc
	})
	return page(q, "notes", items, 250, func(n *Note) any { return a.renderNote(q, n) })
}

func (a *account) renderNote(q *request, n *Note) map[string]any {
	return map[string]any{
		"id": n.ID, "entity_id": n.EntityID, "created_by": n.CreatedBy, "updated_by": n.UpdatedBy,
		"created_at": n.CreatedAt, "updated_at": n.UpdatedAt, "responsible_user_id": n.ResponsibleUserID,
		"group_id": 0, "note_type": n.NoteType, "params": n.Params, "account_id": a.cfg.AccountID,
		"_links": q.href("/api/v4/%s/%d/notes/%d", n.EntityType, n.EntityID, n.ID),
	}
}
