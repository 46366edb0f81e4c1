package activities

import (
	"context"
	"net/url"
	"strconv"
)

// LeadTasksPageInput asks for one page of a lead's tasks.
type LeadTasksPageInput struct {
	Account string `json:"account"`
	LeadID  int64  `json:"lead_id"`
	Page    int    `json:"page"`
}

// LeadTaskState is what leaves amoCRM of a task: its id and whether it is
// done (a task's text may name a person; it stays behind).
type LeadTaskState struct {
	ID        int64 `json:"id"`
	Completed bool  `json:"completed,omitempty"`
}

// LeadTasksPage is one page of a lead's tasks; More when another follows.
type LeadTasksPage struct {
	Tasks []LeadTaskState `json:"tasks"`
	More  bool            `json:"more"`
}

// WidgetLeadTasks reads one page of a lead's tasks (one request:
// filter[entity_type]=leads&filter[entity_id][]={id}, as the old C#
// endpoint asked).
func (a *Widgets) WidgetLeadTasks(ctx context.Context, in LeadTasksPageInput) (LeadTasksPage, error) {
	c, err := (&Amo{Clients: a.Clients}).client(in.Account)
	if err != nil {
		return LeadTasksPage{}, err
	}
	q := url.Values{"filter[entity_type]": {"leads"}, "filter[entity_id][]": {strconv.FormatInt(in.LeadID, 10)}}
	q.Set("order[id]", "asc") // stable pages while tasks are being added
	tasks, more, err := c.TasksPage(ctx, q, in.Page)
	if err != nil {
		return LeadTasksPage{}, classify(err)
	}
	out := LeadTasksPage{Tasks: make([]LeadTaskState, 0, len(tasks)), More: more}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, LeadTaskState{ID: t.ID, Completed: t.IsCompleted})
	}
	return out, nil
}
