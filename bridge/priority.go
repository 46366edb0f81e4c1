package bridge

import (
	"strings"

	"go.temporal.io/sdk/temporal"

	"amoflow/mq"
	"amoflow/workflows"
)

// Task-queue priorities (lower runs first; Temporal's default is 3). The
// activities and child workflows of a job inherit its priority on the
// server, so this is the only place that sets it.
const (
	// PriorityUrgent is for amoCRM webhooks and 1C calls: a manager or 1C
	// waits for them, and each is one job among thousands of forms.
	PriorityUrgent = 1
	// PriorityForm is for site forms: a burst of them must not delay the rest.
	PriorityForm = 4
)

// maxFairnessKey is Temporal's limit on a fairness key's length.
const maxFairnessKey = 64

// priorityOf is a message's task-queue priority. Forms are shared fairly
// between sites (the fairness key is the site, never a person's data), so
// that one site's flood does not starve the others.
func priorityOf(m mq.Message, in any) temporal.Priority {
	switch m.Kind {
	case mq.KindWebhook, mq.Kind1C:
		return temporal.Priority{PriorityKey: PriorityUrgent, FairnessKey: m.Kind}
	case mq.KindForm:
		site := ""
		if f, ok := in.(workflows.FormInput); ok {
			site = strings.ToLower(f.Fields["site"])
		}
		if site == "" {
			site = "unknown"
		}
		key := "site:" + site
		if len(key) > maxFairnessKey {
			key = key[:maxFairnessKey]
		}
		return temporal.Priority{PriorityKey: PriorityForm, FairnessKey: key}
	}
	return temporal.Priority{}
}
