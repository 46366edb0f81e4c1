package amocrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// CatalogElement is an element of a catalog (list), such as a course.
type CatalogElement struct {
	ID                 int64        `json:"id,omitempty"`
	Name               string       `json:"name,omitempty"`
	CatalogID          int64        `json:"catalog_id,omitempty"`
	CreatedBy          int64        `json:"created_by,omitempty"`
	UpdatedBy          int64        `json:"updated_by,omitempty"`
	CreatedAt          int64        `json:"created_at,omitempty"`
	UpdatedAt          int64        `json:"updated_at,omitempty"`
	IsDeleted          bool         `json:"is_deleted,omitempty"`
	CustomFieldsValues CustomFields `json:"custom_fields_values,omitempty"`
	RequestID          string       `json:"request_id,omitempty"`
	// Metadata is set when the element is embedded in a lead (quantity, catalog).
	Metadata *LinkMetadata `json:"metadata,omitempty"`
}

// FieldValue returns the first value of custom field id as text.
func (e *CatalogElement) FieldValue(id int64) string { return e.CustomFieldsValues.Value(id) }

func elementsPath(catalogID int64) string {
	return "/api/v4/catalogs/" + strconv.FormatInt(catalogID, 10) + "/elements"
}

// CatalogElement gets an element by id. A missing one gives ErrNotFound.
func (c *Client) CatalogElement(ctx context.Context, catalogID, id int64) (*CatalogElement, error) {
	return getOne[CatalogElement](ctx, c, elementsPath(catalogID)+"/"+strconv.FormatInt(id, 10), nil)
}

// CatalogElements lists a catalog's elements, those matching query if not empty.
func (c *Client) CatalogElements(ctx context.Context, catalogID int64, query string) ([]CatalogElement, error) {
	q := url.Values{}
	if query != "" {
		q.Set("query", query)
	}
	return list[CatalogElement](ctx, c, elementsPath(catalogID), paged(q), "elements")
}

// AddCatalogElements creates elements, 50 per request, and returns them with their ids.
func (c *Client) AddCatalogElements(ctx context.Context, catalogID int64, elements []CatalogElement) ([]CatalogElement, error) {
	return writeBatches(ctx, c, http.MethodPost, elementsPath(catalogID), "elements", elements)
}

// UpdateCatalogElement patches one element (el.ID) and returns amoCRM's answer.
func (c *Client) UpdateCatalogElement(ctx context.Context, catalogID int64, el CatalogElement) (*CatalogElement, error) {
	out := new(CatalogElement)
	path := elementsPath(catalogID) + "/" + strconv.FormatInt(el.ID, 10)
	if _, err := c.do(ctx, http.MethodPatch, path, nil, el, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteCatalogElements deletes elements through the legacy v2 API, the
// only one that can: POST /api/v2/catalog_elements {"delete":[ids]}.
func (c *Client) DeleteCatalogElements(ctx context.Context, ids []int64) error {
	const path = "/api/v2/catalog_elements"
	for chunk := range slices.Chunk(ids, maxBatch) {
		var resp struct {
			Embedded struct {
				Errors json.RawMessage `json:"errors"`
			} `json:"_embedded"`
		}
		status, err := c.do(ctx, http.MethodPost, path, nil, map[string][]int64{"delete": chunk}, &resp)
		if err != nil {
			return err
		}
		// v2 reports refusals inside a 200.
		if e := bytes.TrimSpace(resp.Embedded.Errors); len(e) > 0 && !bytes.Equal(e, []byte("null")) &&
			!bytes.Equal(e, []byte("[]")) && !bytes.Equal(e, []byte("{}")) {
			return &Error{Op: "POST " + path, Status: status, Body: truncate(e, maxErrorBody),
				Err: fmt.Errorf("amoCRM refused to delete: %s", truncate(e, 200))}
		}
	}
	return nil
}
