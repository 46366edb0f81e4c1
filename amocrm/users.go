package amocrm

import (
	"context"
	"strconv"
)

// User is an amoCRM user (a manager).
type User struct {
	ID     int64      `json:"id"`
	Name   string     `json:"name"`
	Email  string     `json:"email,omitempty"`
	Lang   string     `json:"lang,omitempty"`
	Rights UserRights `json:"rights"`
}

// UserRights is the part of a user's rights the flows look at.
type UserRights struct {
	IsActive bool `json:"is_active"`
	IsAdmin  bool `json:"is_admin"`
	IsFree   bool `json:"is_free"`
}

// User gets a user by id. A missing user gives ErrNotFound.
func (c *Client) User(ctx context.Context, id int64) (*User, error) {
	return getOne[User](ctx, c, "/api/v4/users/"+strconv.FormatInt(id, 10), nil)
}

// Users lists every user of the account.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	return list[User](ctx, c, "/api/v4/users", paged(nil), "users")
}
