package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"amoflow/mq"
	"amoflow/onec/onecfake"
	"amoflow/workflows"
)

// The 1C side of the harness: a fake 1C every harness gets, and helpers
// for the 1C tests.

const (
	corpSub    = "mzpoeducation"
	retailAmo  = 28395871 // account ids
	corpAmo    = 19453687
	oneCToken  = "e2e-1c-token"
	legacyKey  = "e2e-legacy-secret"
	oneCUser   = "e2e-1c"
	oneCPass   = "e2e-1c-password"
	taskType1C = 2213389 // retail's onec.task_type_id in example.yaml
	taskUser1C = 8348113
)

// startFake1C serves a fake 1C and points the configuration at it, before
// the workers read it; a harness option that set onec.base_url keeps its own.
func (h *harness) startFake1C() {
	h.onec = onecfake.New(onecfake.Options{Username: oneCUser, Password: oneCPass})
	c := h.cfg
	c.Inbound.OneCToken, c.Inbound.OneCLegacySecret = oneCToken, legacyKey
	if c.OneC.BaseURL != "" {
		return
	}
	srv := httptest.NewServer(h.onec)
	h.t.Cleanup(srv.Close)
	c.OneC.BaseURL, c.OneC.Username, c.OneC.Password = srv.URL+"/base/", oneCUser, oneCPass
	c.OneC.Timeout = 2 * time.Second
	c.OneC.RetryFor = time.Minute
}

// post1C sends a 1C request and returns the status and body.
func (h *harness) post1C(method, path, contentType, body string) (int, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.api.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if strings.HasPrefix(path, "/v1/") {
		req.Header.Set("X-Amoflow-Token", oneCToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// accept1C sends a 1C request that must be accepted and returns its job id.
func (h *harness) accept1C(method, path string, body any) string {
	h.t.Helper()
	code, out := h.post1C(method, path, "application/json", string(mustJSON(h.t, body)))
	var a struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(out, &a); err != nil || code != http.StatusAccepted || a.JobID == "" {
		h.t.Fatalf("%s %s = %d %s, want 202", method, path, code, out)
	}
	return a.JobID
}

// start1C publishes a 1C job directly, as the starter would.
func (h *harness) start1C(flow string, input any) string {
	h.t.Helper()
	body, err := workflows.NewOneCJob(flow, input)
	if err != nil {
		h.t.Fatal(err)
	}
	id := "1c-e2e-" + randomID()
	if err := h.pub.Publish(h.ctx, mq.Message{ID: id, Kind: mq.Kind1C, ReceivedAt: time.Now(), Body: body}); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// failed waits for a job that must fail and returns its error.
func (h *harness) failed(id string) string {
	h.t.Helper()
	st := h.waitJob(id, 2*time.Minute)
	if st.Status != "failed" {
		h.t.Fatalf("job %s: %s %s, want failed", id, st.Status, st.Result)
	}
	return st.Error
}

// oneCBodies decodes the recorded bodies of a 1C method's POSTs.
func (h *harness) oneCBodies(method string) []map[string]any {
	var out []map[string]any
	for _, r := range h.onec.RequestsTo("POST", method) {
		if r.Status != http.StatusOK {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			h.t.Fatalf("1C %s body %s: %v", method, r.Body, err)
		}
		out = append(out, m)
	}
	return out
}

// oneCCalls lists the 1C requests, for the logs.
func (h *harness) oneCCalls() []string {
	var out []string
	for _, r := range h.onec.Requests() {
		out = append(out, r.Verb+" "+r.Method+" → "+http.StatusText(r.Status))
	}
	return out
}

// notesOn returns the texts of a lead's common notes, oldest first.
func (h *harness) notesOn(sub string, leadID int64) []string {
	var out []string
	for _, n := range h.fake.Notes(sub, "leads") {
		if n.EntityID == leadID && n.NoteType == "common" {
			out = append(out, n.Params["text"].(string))
		}
	}
	return out
}
