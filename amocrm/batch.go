package amocrm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// maxBatch is amoCRM's limit of entities per create or update request.
const maxBatch = 50

// writeBatches sends items to path in requests of at most maxBatch and
// collects the entities amoCRM returns under _embedded[key] (ids and
// request_ids, in input order). On error it returns what the earlier
// batches created, so a caller can tell what already exists.
func writeBatches[T any](ctx context.Context, c *Client, method, path, key string, items []T) ([]T, error) {
	var out []T
	for chunk := range slices.Chunk(items, maxBatch) {
		var p page
		status, err := c.do(ctx, method, path, nil, chunk, &p)
		if err != nil {
			return out, err
		}
		if raw := p.Embedded[key]; len(raw) > 0 {
			var got []T
			if err := json.Unmarshal(raw, &got); err != nil {
				return out, &Error{Op: method + " " + path, Status: status, Err: fmt.Errorf("decode _embedded.%s: %w", key, err)}
			}
			out = append(out, got...)
		}
	}
	return out, nil
}
