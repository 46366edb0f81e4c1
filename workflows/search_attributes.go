package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes let operators find a lead's workflows in the Temporal
// UI (AmoLeadID = 123 AND AmoAccount = "retail"). They must be registered in
// the namespace first (amoflow dev does; in production: `temporal operator
// search-attribute create`), and are used only when temporal.search_attributes
// is on, because an unregistered attribute would fail every workflow task.
var (
	AmoAccountKey = temporal.NewSearchAttributeKeyKeyword("AmoAccount")
	AmoLeadIDKey  = temporal.NewSearchAttributeKeyInt64("AmoLeadID")
)

// SearchAttributeTypes is what to register.
var SearchAttributeTypes = map[string]enums.IndexedValueType{
	AmoAccountKey.GetName(): enums.INDEXED_VALUE_TYPE_KEYWORD,
	AmoLeadIDKey.GetName():  enums.INDEXED_VALUE_TYPE_INT,
	AmoSourceKey.GetName():  enums.INDEXED_VALUE_TYPE_KEYWORD,
}

// tagLead records the lead a workflow works on, when search attributes are on.
// It also shows the lead, with a link, in the workflow's current details.
func tagLead(ctx workflow.Context, enabled bool, leadID int64) {
	if leadID != 0 {
		currentLead(ctx, leadID)
	}
	if !enabled || leadID == 0 {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AmoLeadIDKey.ValueSet(leadID)); err != nil {
		workflow.GetLogger(ctx).Warn("search attribute not set", "err", err)
	}
}
