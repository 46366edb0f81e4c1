package workflows

import "time"

// FormInput is a site form as the starter accepted it (docs/flows.md#form-fields).
// It travels through RabbitMQ as JSON and is the CreateLeadFromForm argument.
type FormInput struct {
	JobID      string    `json:"job_id"`
	Account    string    `json:"account"` // config key: "retail" or "corp"
	ReceivedAt time.Time `json:"received_at"`
	// Fields are the accepted form fields, trimmed, empty ones dropped.
	Fields map[string]string `json:"fields"`
}
