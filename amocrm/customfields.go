package amocrm

import (
	"context"
)

// CustomField is the definition of a custom field.
type CustomField struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Code      string `json:"code,omitempty"`
	Type      string `json:"type"` // text, numeric, select, multitext, date, catalog, …
	Sort      int    `json:"sort,omitempty"`
	IsAPIOnly bool   `json:"is_api_only,omitempty"`
	Enums     []Enum `json:"enums,omitempty"`
}

// Enum is a choice of a list field.
type Enum struct {
	ID    int64  `json:"id"`
	Value string `json:"value"`
	Sort  int    `json:"sort,omitempty"`
}

// ListCustomFields lists the custom fields of an entity type, so the ids in
// config can be checked against the account at start.
func (c *Client) ListCustomFields(ctx context.Context, entity EntityType) ([]CustomField, error) {
	return list[CustomField](ctx, c, "/api/v4/"+string(entity)+"/custom_fields", paged(nil), "custom_fields")
}
