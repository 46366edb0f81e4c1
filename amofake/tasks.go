package amofake

import (
	"slices"
	"sort"
)

func taskRoutes(s *Server) {
	s.route("GET /api/v4/tasks", listTasks)
	s.route("GET /api/v4/tasks/{id}", func(a *account, q *request) response {
		id, _ := q.id("id")
		if t := a.tasks[id]; t != nil {
			return hal(200, a.renderTask(q, t))
		}
		return noContent()
	})
	s.route("POST /api/v4/tasks", func(a *account, q *request) response { return writeTasks(a, q, false) })
	s.route("PATCH /api/v4/tasks", func(a *account, q *request) response { return writeTasks(a, q, true) })
	s.route("PATCH /api/v4/tasks/{id}", patchTask)
}

// readTask reads a task's fields into t.
func (a *account) readTask(rd reader, t *Task) {
	rd.str("text", &t.Text)
	rd.int("complete_till", &t.CompleteTill)
	rd.int("task_type_id", &t.TaskTypeID)
	rd.int("responsible_user_id", &t.ResponsibleUserID)
	rd.int("duration", &t.Duration)
	rd.boolean("is_completed", &t.IsCompleted)
	rd.int("created_by", &t.CreatedBy)
	rd.int("created_at", &t.CreatedAt)
	rd.int("updated_at", &t.UpdatedAt)
	if res, ok := rd.object("result"); ok {
		res.str("text", &t.ResultText)
	}
	et, eid := rd.str("entity_type", &t.EntityType), rd.int("entity_id", &t.EntityID)
	if et || eid {
		switch {
		case t.EntityID == 0 && t.EntityType == "":
		case !slices.Contains([]string{"leads", "contacts", "companies"}, t.EntityType):
			rd.badChoice("entity_type")
		case !a.exists(t.EntityType, t.EntityID):
			rd.notFound("entity_id")
		}
	}
}

// writeTasks serves POST /tasks and PATCH /tasks.
func writeTasks(a *account, q *request, patch bool) response {
	tasks, rids, resp, ok := readBatch(q.body, func(rd reader) *Task {
		var t *Task
		if patch {
			var id int64
			if !rd.int("id", &id) && !rd.has("id") {
				rd.missing("id")
			} else if old := a.tasks[id]; old == nil {
				rd.notFound("id")
			} else {
				c := *old
				t = &c
				t.UpdatedAt = q.unix()
			}
		} else {
			u := a.defaultUser()
			t = &Task{TaskTypeID: 1, ResponsibleUserID: u, CreatedBy: u, UpdatedBy: u, CreatedAt: q.unix(), UpdatedAt: q.unix()}
		}
		if t != nil {
			a.readTask(rd, t)
			if t.Text == "" {
				rd.missing("text")
			}
			if t.CompleteTill == 0 {
				rd.missing("complete_till")
			}
		}
		return t
	})
	if !ok {
		return resp
	}
	out := []any{}
	for i, t := range tasks {
		if t.ID == 0 {
			t.ID = a.newID(kindTask)
		}
		a.tasks[t.ID] = t
		out = append(out, map[string]any{"id": t.ID, "updated_at": t.UpdatedAt, "request_id": rids[i],
			"_links": q.href("/api/v4/tasks/%d", t.ID)})
	}
	return hal(200, map[string]any{"_links": q.href("/api/v4/tasks"), "_embedded": map[string]any{"tasks": out}})
}

// patchTask serves PATCH /tasks/{id}, typically {"is_completed":true,"result":{"text":…}}.
func patchTask(a *account, q *request) response {
	o, resp, ok := single(q.body)
	if !ok {
		return resp
	}
	id, _ := q.id("id")
	rd := newReader(o)
	old := a.tasks[id]
	if old == nil {
		rd.notFound("id")
		return validationFailed([]entityErrors{{"0", *rd.errs}})
	}
	t := *old
	t.UpdatedAt = q.unix()
	a.readTask(rd, &t)
	if !rd.ok() {
		return validationFailed([]entityErrors{{"0", *rd.errs}})
	}
	a.tasks[id] = &t
	return hal(200, map[string]any{"id": id, "updated_at": t.UpdatedAt, "_links": q.href("/api/v4/tasks/%d", id)})
}

// listTasks serves GET /tasks with filter[entity_type], filter[entity_id],
// filter[is_completed], filter[responsible_user_id], filter[task_type] and filter[id].
func listTasks(a *account, q *request) response {
	v := q.URL.Query()
	types := queryStrings(v, "filter[entity_type]")
	entityIDs := queryInts(v, "filter[entity_id]")
	ids := queryInts(v, "filter[id]")
	users := queryInts(v, "filter[responsible_user_id]")
	taskTypes := queryInts(v, "filter[task_type]")
	completed := v.Get("filter[is_completed]")
	var items []*Task
	for _, t := range a.tasks {
		switch {
		case len(types) > 0 && !slices.Contains(types, t.EntityType),
			len(entityIDs) > 0 && !slices.Contains(entityIDs, t.EntityID),
			len(ids) > 0 && !slices.Contains(ids, t.ID),
			len(users) > 0 && !slices.Contains(users, t.ResponsibleUserID),
			len(taskTypes) > 0 && !slices.Contains(taskTypes, t.TaskTypeID),
			completed != "" && (completed == "1" || completed == "true") != t.IsCompleted,
			!inRange(v, "filter[updated_at]", t.UpdatedAt):
			continue
		}
		items = append(items, t)
	}
	_, desc := orderParam(v)
	sort.Slice(items, func(i, j int) bool { return (items[i].ID < items[j].ID) != desc })
	return page(q, "tasks", items, 250, func(t *Task) any { return a.renderTask(q, t) })
}

func (a *account) renderTask(q *request, t *Task) map[string]any {
	var result any = []any{}
	if t.ResultText != "" {
		result = map[string]any{"text": t.ResultText}
	}
	var entityType any
	if t.EntityType != "" {
		entityType = t.EntityType
	}
	return map[string]any{
		"id": t.ID, "created_by": t.CreatedBy, "updated_by": t.UpdatedBy, "created_at": t.CreatedAt,
		"updated_at": t.UpdatedAt, "responsible_user_id": t.ResponsibleUserID, "group_id": 0,
		"entity_id": nullable(t.EntityID), "entity_type": entityType, "duration": t.Duration,
		"is_completed": t.IsCompleted, "task_type_id": t.TaskTypeID, "text": t.Text, "result": result,
		"complete_till": t.CompleteTill, "account_id": a.cfg.AccountID, "_links": q.href("/api/v4/tasks/%d", t.ID),
	}
}
