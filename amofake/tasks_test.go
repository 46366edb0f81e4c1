package amofake

import "testing"

// The old C# lead tasks' query: a lead's tasks, completed ones included
// (the caller filters), another lead's left out, 204 when there are none,
// pages linked by _links.next as amoCRM does.
func TestTasksOfALead(t *testing.T) {
	e := newEnv(t, nil)
	lead, other := e.fake.AddLead(sub, Lead{Name: "a"}), e.fake.AddLead(sub, Lead{Name: "b"})
	query := func(id int64) string {
		return "/retail/api/v4/tasks?filter[entity_type]=leads&filter[entity_id][]=" + itoa(id) + "&order[id]=asc"
	}
	e.must(204, e.do("GET", query(lead), nil))
	for _, tk := range []struct {
		lead int64
		text string
	}{{lead, "Позвонить"}, {other, "Чужая"}, {lead, "Отправить КП"}} {
		e.must(200, e.do("POST", "/retail/api/v4/tasks", []map[string]any{{"text": tk.text, "complete_till": 1751900000,
			"entity_id": tk.lead, "entity_type": "leads", "task_type_id": 1}}))
	}
	first := num(t, dig(t, e.must(200, e.do("GET", query(lead), nil)).json(t), "_embedded", "tasks", 0, "id"))
	e.must(200, e.do("PATCH", "/retail/api/v4/tasks/"+itoa(first), map[string]any{"is_completed": true}))
	m := e.must(200, e.do("GET", query(lead)+"&limit=1", nil)).json(t)
	tasks := dig(t, m, "_embedded", "tasks").([]any)
	if len(tasks) != 1 || dig(t, tasks[0], "is_completed") != true || dig(t, m, "_links", "next", "href") == nil {
		t.Errorf("page 1: %v", m)
	}
	m = e.must(200, e.do("GET", query(lead)+"&limit=1&page=2", nil)).json(t)
	if dig(t, m, "_embedded", "tasks", 0, "text") != "Отправить КП" || dig(t, m, "_embedded", "tasks", 0, "is_completed") != false {
		t.Errorf("page 2: %v", m)
	}
	e.must(204, e.do("GET", query(lead)+"&limit=1&page=3", nil))
	e.must(204, e.do("GET", query(other+1000), nil))
}
