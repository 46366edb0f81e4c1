package amocrm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// LeadsPage reads one page (from 1) of GET /api/v4/leads with raw
// parameters, 250 leads a page, and reports whether another page follows.
// A caller that must count every request (one activity per page) uses it
// instead of ListLeads.
func (c *Client) LeadsPage(ctx context.Context, params url.Values, n int) ([]Lead, bool, error) {
	q := paged(params)
	q.Set("page", strconv.Itoa(max(n, 1)))
	var p page
	status, err := c.do(ctx, http.MethodGet, "/api/v4/leads", q, nil, &p)
	if err != nil || status == http.StatusNoContent {
		return nil, false, err
	}
	var leads []Lead
	if raw := p.Embedded["leads"]; len(raw) > 0 {
		if err := json.Unmarshal(raw, &leads); err != nil {
			return nil, false, &Error{Op: "GET /api/v4/leads", Status: status, Err: fmt.Errorf("decode _embedded.leads: %w", err)}
		}
	}
	return leads, p.Links.Next.Href != "", nil
}
