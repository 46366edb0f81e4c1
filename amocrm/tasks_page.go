package amocrm

import (
	"context"
	"net/url"
)

// TasksPage reads page n (from 1) of the tasks matching params (one
// request, pageLimit per page) and reports whether another page follows;
// a 204 is an empty page.
func (c *Client) TasksPage(ctx context.Context, params url.Values, n int) ([]Task, bool, error) {
	return onePage[Task](ctx, c, "/api/v4/tasks", paged(params), n, "tasks")
}
