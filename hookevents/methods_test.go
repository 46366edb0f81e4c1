package hookevents

import (
	"testing"

	"amoflow/workflows"
)

// A picker for a method the workflows do not know would never run.
func TestPickersNameKnownMethods(t *testing.T) {
	for method := range pickers {
		if _, _, ok := workflows.WebhookRoute(method); !ok {
			t.Errorf("picker for %q, a method workflows.WebhookRoute does not know", method)
		}
	}
}
