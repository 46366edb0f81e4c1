package bridge

import (
	"strings"
	"testing"
	"time"

	"amoflow/mq"
	"amoflow/workflows"
)

func TestRoute(t *testing.T) {
	ok := mq.Message{ID: "form-retail-1", Kind: mq.KindForm, Body: []byte(`{"job_id":"form-retail-1","account":"retail","received_at":"2026-11-28T00:00:00Z","fields":{"phone":"+79161234567"}}`)}
	s, err := route(ok)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.arg.(workflows.FormInput)
	if s.workflow != workflows.CreateLeadFromFormName || in.Fields["phone"] != "+79161234567" || !in.ReceivedAt.Equal(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("route = %+v", s)
	}
	bad := map[string]mq.Message{
		"not valid JSON":       {ID: "x", Kind: mq.KindForm, Body: []byte(`{`)},
		"does not match":       {ID: "other", Kind: mq.KindForm, Body: ok.Body},
		"without a message_id": {Kind: mq.KindForm, Body: ok.Body},
		"no flow":              {ID: "x", Kind: "fax", Body: ok.Body},
	}
	for want, m := range bad {
		if _, err := route(m); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("route(%+v) error = %v, want %q", m, err, want)
		}
	}
}
