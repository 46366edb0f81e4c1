package activities

import (
	"context"
	"encoding/json"
)

// ChatOriginsInput names a lead.
type ChatOriginsInput struct {
	Account string `json:"account"`
	LeadID  int64  `json:"lead_id"`
}

// ChatOrigins lists the origins of the lead's incoming chat messages
// (events incoming_chat_message, value_after[].message.origin), each once,
// in one request per 100 events. No message text reaches the history.
func (a *Amo) ChatOrigins(ctx context.Context, in ChatOriginsInput) ([]string, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return nil, err
	}
	events, err := c.EventsFor(ctx, "lead", in.LeadID, "incoming_chat_message")
	if err != nil {
		return nil, classify(err)
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range events {
		var after []struct {
			Message struct {
				Origin string `json:"origin"`
			} `json:"message"`
		}
		if json.Unmarshal(e.ValueAfter, &after) != nil {
			continue
		}
		for _, v := range after {
			if o := v.Message.Origin; o != "" && !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out, nil
}
