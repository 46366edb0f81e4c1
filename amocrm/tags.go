package amocrm

import (
	"context"
	"net/http"
	"net/url"
)

// Tags lists the tags of an entity type, those matching query if not empty.
func (c *Client) Tags(ctx context.Context, entity EntityType, query string) ([]Tag, error) {
	q := url.Values{}
	if query != "" {
		q.Set("query", query)
	}
	return list[Tag](ctx, c, "/api/v4/"+string(entity)+"/tags", paged(q), "tags")
}

// AddTags creates tags by name and returns them with their ids.
func (c *Client) AddTags(ctx context.Context, entity EntityType, names ...string) ([]Tag, error) {
	tags := make([]Tag, len(names))
	for i, n := range names {
		tags[i] = Tag{Name: n}
	}
	return writeBatches(ctx, c, http.MethodPost, "/api/v4/"+string(entity)+"/tags", "tags", tags)
}
