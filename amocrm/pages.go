package amocrm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// pageLimit is the largest page amoCRM serves.
const pageLimit = 250

// page is a HAL list answer.
type page struct {
	Links struct {
		Next struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
	Embedded map[string]json.RawMessage `json:"_embedded"`
}

// paged copies q and asks for the largest page unless q sets limit.
func paged(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	if out.Get("limit") == "" {
		out.Set("limit", strconv.Itoa(pageLimit))
	}
	return out
}

// onePage reads page n (from 1) of path with q (limit set by the caller),
// taking the items under _embedded[key], and reports whether another page
// follows; 204 is an empty page.
func onePage[T any](ctx context.Context, c *Client, path string, q url.Values, n int, key string) ([]T, bool, error) {
	q.Set("page", strconv.Itoa(max(n, 1)))
	var p page
	status, err := c.do(ctx, http.MethodGet, path, q, nil, &p)
	if err != nil || status == http.StatusNoContent {
		return nil, false, err
	}
	var items []T
	if raw := p.Embedded[key]; len(raw) > 0 {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, false, &Error{Op: "GET " + path, Status: status, Err: fmt.Errorf("decode _embedded.%s: %w", key, err)}
		}
	}
	return items, p.Links.Next.Href != "", nil
}

// list fetches every page of path, taking the items under _embedded[key].
// It follows _links.next.href until it is absent or the answer is 204. A
// failure on any page fails the whole list: a partial list would pass for
// "not found" and lead to duplicates.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, key string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for {
		var p page
		status, err := c.do(ctx, http.MethodGet, path, q, nil, &p)
		if err != nil {
			return nil, err
		}
		if status == http.StatusNoContent {
			return all, nil
		}
		if raw := p.Embedded[key]; len(raw) > 0 {
			var items []T
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, &Error{Op: "GET " + path, Status: status, Err: fmt.Errorf("decode _embedded.%s: %w", key, err)}
			}
			all = append(all, items...)
		}
		next := p.Links.Next.Href
		if next == "" {
			return all, nil
		}
		if path, q, err = c.nextPage(next); err != nil {
			return nil, err
		}
		k := path + "?" + q.Encode()
		if seen[k] {
			return nil, fmt.Errorf("amocrm: GET %s: next page link repeats itself", path)
		}
		seen[k] = true
	}
}

// nextPage turns a _links.next.href into a path under the client's base
// URL. Only the path and query are taken: the token never leaves for
// another host, and a link without the base path (a fake behind a path
// prefix) still works.
func (c *Client) nextPage(href string) (string, url.Values, error) {
	u, err := url.Parse(href)
	if err != nil {
		return "", nil, fmt.Errorf("amocrm: bad next page link: %v", err)
	}
	p := u.Path
	if c.root != "" && strings.HasPrefix(p, c.root+"/api/") {
		p = strings.TrimPrefix(p, c.root)
	}
	if !strings.HasPrefix(p, "/api/") {
		return "", nil, fmt.Errorf("amocrm: next page link outside the API: %q", u.Path)
	}
	return p, u.Query(), nil
}

// getOne fetches a single entity; 204 gives ErrNotFound.
func getOne[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	v := new(T)
	status, err := c.do(ctx, http.MethodGet, path, query, nil, v)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent {
		return nil, fmt.Errorf("amocrm: GET %s: %w", path, ErrNotFound)
	}
	return v, nil
}

// withQuery builds with=a,b (nothing when with is empty).
func withQuery(with []string) url.Values {
	q := url.Values{}
	if len(with) > 0 {
		q.Set("with", strings.Join(with, ","))
	}
	return q
}

// idChunk bounds how many ids go into one filter[id][] list, keeping URLs short.
const idChunk = 100

// listByIDs lists path filtered by filter[id][]=…, a chunk of ids at a time.
func listByIDs[T any](ctx context.Context, c *Client, path, key string, ids []int64, with []string) ([]T, error) {
	var all []T
	for chunk := range slices.Chunk(ids, idChunk) {
		q := withQuery(with)
		for _, id := range chunk {
			q.Add("filter[id][]", strconv.FormatInt(id, 10))
		}
		items, err := list[T](ctx, c, path, paged(q), key)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	return all, nil
}
