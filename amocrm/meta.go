package amocrm

import (
	"context"
	"strconv"
)

// Pipeline is a lead pipeline with its statuses.
type Pipeline struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Embedded struct {
		Statuses []Status `json:"statuses"`
	} `json:"_embedded"`
}

// Status is a stage of a pipeline.
type Status struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	PipelineID int64  `json:"pipeline_id"`
	Color      string `json:"color,omitempty"` // "#99ccff"
}

// Catalog is a list (catalog) of the account, e.g. the courses.
type Catalog struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Pipelines lists the lead pipelines with their statuses.
func (c *Client) Pipelines(ctx context.Context) ([]Pipeline, error) {
	return list[Pipeline](ctx, c, "/api/v4/leads/pipelines", nil, "pipelines")
}

// Catalogs lists the account's catalogs.
func (c *Client) Catalogs(ctx context.Context) ([]Catalog, error) {
	return list[Catalog](ctx, c, "/api/v4/catalogs", paged(nil), "catalogs")
}

// CatalogCustomFields lists the custom fields of one catalog.
func (c *Client) CatalogCustomFields(ctx context.Context, catalogID int64) ([]CustomField, error) {
	return list[CustomField](ctx, c, "/api/v4/catalogs/"+strconv.FormatInt(catalogID, 10)+"/custom_fields", paged(nil), "custom_fields")
}
