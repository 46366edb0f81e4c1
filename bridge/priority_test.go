package bridge

import (
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"amoflow/mq"
	"amoflow/workflows"
)

func TestPriorityOf(t *testing.T) {
	form := func(site string) workflows.FormInput {
		return workflows.FormInput{Fields: map[string]string{"site": site, "phone": "+79161234567"}}
	}
	long := strings.Repeat("a", 100) + ".ru"
	for _, c := range []struct {
		name string
		kind string
		in   any
		want temporal.Priority
	}{
		{"webhook", mq.KindWebhook, workflows.WebhookInput{}, temporal.Priority{PriorityKey: PriorityUrgent, FairnessKey: "webhook"}},
		{"1c", mq.Kind1C, nil, temporal.Priority{PriorityKey: PriorityUrgent, FairnessKey: "1c"}},
		{"form by site", mq.KindForm, form("MZPO-S.ru"), temporal.Priority{PriorityKey: PriorityForm, FairnessKey: "site:mzpo-s.ru"}},
		{"form without site", mq.KindForm, form(""), temporal.Priority{PriorityKey: PriorityForm, FairnessKey: "site:unknown"}},
		{"long site", mq.KindForm, form(long), temporal.Priority{PriorityKey: PriorityForm, FairnessKey: ("site:" + long)[:64]}},
		{"unknown kind", "fax", nil, temporal.Priority{}},
	} {
		if got := priorityOf(mq.Message{Kind: c.kind}, c.in); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if PriorityUrgent >= PriorityForm {
		t.Error("webhooks and 1C must run before forms")
	}
}
