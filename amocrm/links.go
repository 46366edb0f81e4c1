package amocrm

import (
	"context"
	"net/http"
	"strconv"
)

// Link ties an entity to another (a lead to a contact, a company or a
// catalog element).
type Link struct {
	EntityID     int64         `json:"entity_id,omitempty"`   // read only
	EntityType   EntityType    `json:"entity_type,omitempty"` // read only
	ToEntityID   int64         `json:"to_entity_id"`
	ToEntityType EntityType    `json:"to_entity_type"`
	Metadata     *LinkMetadata `json:"metadata,omitempty"`
}

// LinkMetadata qualifies a link: catalog elements need CatalogID and
// Quantity; a contact may be the main one.
type LinkMetadata struct {
	CatalogID   int64   `json:"catalog_id,omitempty"`
	Quantity    float64 `json:"quantity,omitempty"`
	PriceID     int64   `json:"price_id,omitempty"`
	MainContact bool    `json:"main_contact,omitempty"`
}

// Links lists what the entity is linked to.
func (c *Client) Links(ctx context.Context, entity EntityType, id int64) ([]Link, error) {
	return list[Link](ctx, c, "/api/v4/"+string(entity)+"/"+strconv.FormatInt(id, 10)+"/links", nil, "links")
}

// Link links the entity to others, 50 links per request.
func (c *Client) Link(ctx context.Context, entity EntityType, id int64, links []Link) ([]Link, error) {
	return writeBatches(ctx, c, http.MethodPost, "/api/v4/"+string(entity)+"/"+strconv.FormatInt(id, 10)+"/link", "links", links)
}
