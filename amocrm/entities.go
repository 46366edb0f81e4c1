package amocrm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// entities is the API of one kind of main entity (leads, contacts,
// companies): the same six calls at its own path, its list under its own key.
type entities[T any] struct{ key string }

var (
	leadsAPI     = entities[Lead]{"leads"}
	contactsAPI  = entities[Contact]{"contacts"}
	companiesAPI = entities[Company]{"companies"}
)

func (e entities[T]) path() string { return "/api/v4/" + e.key }

// get gets one by id; a missing one gives ErrNotFound.
func (e entities[T]) get(ctx context.Context, c *Client, id int64, with []string) (*T, error) {
	return getOne[T](ctx, c, e.path()+"/"+strconv.FormatInt(id, 10), withQuery(with))
}

// byIDs lists the ones with the given ids; missing ones are absent.
func (e entities[T]) byIDs(ctx context.Context, c *Client, ids []int64, with []string) ([]T, error) {
	return listByIDs[T](ctx, c, e.path(), e.key, ids, with)
}

// list lists with raw parameters, every page.
func (e entities[T]) list(ctx context.Context, c *Client, params url.Values) ([]T, error) {
	return list[T](ctx, c, e.path(), paged(params), e.key)
}

// search runs amoCRM's fuzzy query= search, every page.
func (e entities[T]) search(ctx context.Context, c *Client, query string, with []string) ([]T, error) {
	q := withQuery(with)
	q.Set("query", query)
	return e.list(ctx, c, q)
}

// add creates items, 50 per request (see AddLeads).
func (e entities[T]) add(ctx context.Context, c *Client, items []T) ([]T, error) {
	return writeBatches(ctx, c, http.MethodPost, e.path(), e.key, items)
}

// update patches items (each with its ID), 50 per request.
func (e entities[T]) update(ctx context.Context, c *Client, items []T) ([]T, error) {
	return writeBatches(ctx, c, http.MethodPatch, e.path(), e.key, items)
}
