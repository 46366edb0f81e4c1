package starter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"amoflow/amowebhook"
)

// problem is an RFC 7807 error answer. Details name fields, never echo
// values: those may be personal data.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Field is the request field to blame, when there is one.
	Field string `json:"field,omitempty"`
	// Failing lists the dependencies a 503 from /readyz is waiting for.
	Failing []string `json:"failing,omitempty"`
	// Rejected lists the webhook events that could not be read.
	Rejected []amowebhook.Rejection `json:"rejected_events,omitempty"`
}

func (p *problem) Error() string {
	if p.Field != "" {
		return fmt.Sprintf("%d %s: %s", p.Status, p.Field, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Detail)
}

const problemType = "urn:amoflow:problem:"

func invalidField(field, format string, args ...any) *problem {
	return &problem{Type: problemType + "invalid-field", Title: "Invalid field", Status: http.StatusBadRequest,
		Detail: fmt.Sprintf(format, args...), Field: field}
}

func badBody(format string, args ...any) *problem {
	return &problem{Type: problemType + "malformed-body", Title: "Malformed body", Status: http.StatusBadRequest,
		Detail: fmt.Sprintf(format, args...)}
}

func tooLarge(limit int64) *problem {
	return &problem{Type: problemType + "too-large", Title: "Body too large", Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("the body exceeds %d bytes", limit)}
}

func unsupportedType(supported ...string) *problem {
	return &problem{Type: problemType + "unsupported-media-type", Title: "Unsupported media type",
		Status: http.StatusUnsupportedMediaType, Detail: "use " + strings.Join(supported, ", ")}
}

func notStored() *problem {
	return &problem{Type: problemType + "not-stored", Title: "Not stored", Status: http.StatusServiceUnavailable,
		Detail: "the request could not be stored; send it again"}
}

func writeProblem(w http.ResponseWriter, p *problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, &problem{Type: problemType + "not-found", Title: "Not found", Status: http.StatusNotFound})
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, &problem{Type: problemType + "method-not-allowed", Title: "Method not allowed",
		Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed here"})
}
