package workflows

import "amoflow/activities"

// textField is a custom field with one value, for writing (the webhook flows
// copy fields between leads and accounts).
func textField(id int64, v any) activities.FieldValues {
	return activities.FieldValues{ID: id, Values: []activities.FieldValue{{Value: v}}}
}
