package amocrm

import (
	"context"
	"net/url"
)

// LeadsPage reads one page (from 1) of GET /api/v4/leads with raw
// parameters, 250 leads a page, and reports whether another page follows.
// A caller that must count every request (one activity per page) uses it
// instead of ListLeads.
func (c *Client) LeadsPage(ctx context.Context, params url.Values, n int) ([]Lead, bool, error) {
	return onePage[Lead](ctx, c, "/api/v4/leads", paged(params), n, "leads")
}
