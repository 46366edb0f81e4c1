package amocrm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Task types every account has.
const (
	TaskCall    = 1
	TaskMeeting = 2
)

// Task is a task attached to an entity.
type Task struct {
	ID                int64      `json:"id,omitempty"`
	ResponsibleUserID int64      `json:"responsible_user_id,omitempty"`
	EntityID          int64      `json:"entity_id,omitempty"`
	EntityType        EntityType `json:"entity_type,omitempty"`
	TaskTypeID        int64      `json:"task_type_id,omitempty"`
	Text              string     `json:"text,omitempty"`
	CompleteTill      int64      `json:"complete_till,omitempty"` // Unix seconds
	Duration          int64      `json:"duration,omitempty"`
	IsCompleted       bool       `json:"is_completed,omitempty"`
	CreatedBy         int64      `json:"created_by,omitempty"`
	CreatedAt         int64      `json:"created_at,omitempty"`
	UpdatedAt         int64      `json:"updated_at,omitempty"`
	RequestID         string     `json:"request_id,omitempty"`
}

// AddTasks creates tasks, 50 per request, and returns them with their ids.
func (c *Client) AddTasks(ctx context.Context, tasks []Task) ([]Task, error) {
	return writeBatches(ctx, c, http.MethodPost, "/api/v4/tasks", "tasks", tasks)
}

// ListTasks lists tasks with raw parameters (filter[…]), every page.
func (c *Client) ListTasks(ctx context.Context, params url.Values) ([]Task, error) {
	return list[Task](ctx, c, "/api/v4/tasks", paged(params), "tasks")
}

// TasksFor lists the tasks of the given entities.
func (c *Client) TasksFor(ctx context.Context, entity EntityType, ids ...int64) ([]Task, error) {
	q := url.Values{"filter[entity_type]": {string(entity)}}
	for _, id := range ids {
		q.Add("filter[entity_id][]", strconv.FormatInt(id, 10))
	}
	return c.ListTasks(ctx, q)
}
