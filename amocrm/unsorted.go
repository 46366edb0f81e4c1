package amocrm

import (
	"context"
	"net/http"
	"net/url"
)

// AcceptUnsorted accepts an unsorted lead into its pipeline; amoCRM then
// sends the usual lead webhooks.
func (c *Client) AcceptUnsorted(ctx context.Context, uid string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v4/leads/unsorted/"+url.PathEscape(uid)+"/accept", nil, nil, nil)
	return err
}
