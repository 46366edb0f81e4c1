package bridge

import (
	"strings"
	"testing"

	"amoflow/mq"
	"amoflow/workflows"
)

func TestRoute1C(t *testing.T) {
	body, err := workflows.NewOneCJob(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: 42})
	if err != nil {
		t.Fatal(err)
	}
	s, err := route(mq.Message{ID: "1c-x", Kind: mq.Kind1C, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.arg.(*workflows.Sync1COrderInput)
	if s.workflow != workflows.Sync1COrderName || in == nil || in.LeadID != 42 || in.Account != "retail" {
		t.Fatalf("route = %+v", s)
	}
	for want, m := range map[string]mq.Message{
		"no known flow":        {ID: "x", Kind: mq.Kind1C, Body: []byte(`{"flow":"DropTables","input":{}}`)},
		"not a job":            {ID: "x", Kind: mq.Kind1C, Body: []byte(`[`)},
		"not valid for":        {ID: "x", Kind: mq.Kind1C, Body: []byte(`{"flow":"Sync1COrder","input":{"LeadID":"x"}}`)},
		"without a message_id": {Kind: mq.Kind1C, Body: body},
	} {
		if _, err := route(m); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("route(%s) error = %v, want %q", m.Body, err, want)
		}
	}
}
