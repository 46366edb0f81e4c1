package bridge

import (
	"encoding/json"
	"fmt"

	"amoflow/mq"
	"amoflow/workflows"
)

// start is the workflow a message becomes.
type start struct {
	workflow string
	arg      any
}

// route decodes a message into its workflow and argument. Every flow added
// to amoflow gets a case here.
func route(m mq.Message) (start, error) {
	switch m.Kind {
	case mq.KindForm:
		var in workflows.FormInput
		if err := decode(m, &in); err != nil {
			return start{}, err
		}
		if in.JobID != m.ID {
			return start{}, fmt.Errorf("form job id %q does not match message id %q", in.JobID, m.ID)
		}
		return start{workflows.CreateLeadFromFormName, in}, nil
	case mq.KindWebhook:
		var in workflows.WebhookInput
		if err := decode(m, &in); err != nil {
			return start{}, err
		}
		if in.JobID != m.ID {
			return start{}, fmt.Errorf("webhook job id %q does not match message id %q", in.JobID, m.ID)
		}
		return start{workflows.HandleWebhookName, in}, nil
	case mq.Kind1C:
		if m.ID == "" {
			return start{}, fmt.Errorf("message without a message_id (job id)")
		}
		flow, in, err := workflows.DecodeOneCJob(m.Body)
		if err != nil {
			return start{}, err
		}
		return start{flow, in}, nil
	}
	return start{}, fmt.Errorf("no flow handles messages of kind %q", m.Kind)
}

func decode(m mq.Message, v any) error {
	if m.ID == "" {
		return fmt.Errorf("message without a message_id (job id)")
	}
	if err := json.Unmarshal(m.Body, v); err != nil {
		return fmt.Errorf("%s message body is not valid JSON for its flow: %v", m.Kind, err)
	}
	return nil
}
