package bridge

import (
	"strings"
	"testing"

	"amoflow/mq"
	"amoflow/workflows"
)

func TestRouteWebhook(t *testing.T) {
	body := []byte(`{"job_id":"whd-retail-ret2corp-1","account":"retail","method":"ret2corp","received_at":"2026-11-28T00:00:00Z","events":[{"job_id":"wh-retail-ret2corp-lead7-win0","account":"retail","method":"ret2corp","entity":"leads","id":7,"received_at":"2026-11-28T00:00:00Z"}]}`)
	s, err := route(mq.Message{ID: "whd-retail-ret2corp-1", Kind: mq.KindWebhook, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.arg.(workflows.WebhookInput)
	if s.workflow != workflows.HandleWebhookName || len(in.Events) != 1 || in.Events[0].ID != 7 {
		t.Fatalf("route = %+v", s)
	}
	if _, err := route(mq.Message{ID: "other", Kind: mq.KindWebhook, Body: body}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("mismatched id: %v", err)
	}
}
