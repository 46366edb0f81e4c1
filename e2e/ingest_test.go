package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"amoflow/workflows"
)

// A delivery with one malformed event runs the others: the starter stores
// it (202), names the bad event in rejected_events, and the good event's
// flow runs to the end.
func TestWebhookDeliveryWithABadEventRunsTheRest(t *testing.T) {
	h := newHookHarness(t)
	good, _ := h.retailClient("+7 903 555-20-01", "partial@corp.example")
	bad := freshID()
	body := stageHook(good, 3198184, 35942104, 32532883, retailID, retail) +
		fmt.Sprintf("&leads[status][1][id]=%d&leads[status][1][status_id]=Иванов", bad)
	resp, err := http.Post(h.api.URL+"/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var a struct {
		JobID       string   `json:"job_id"`
		EventJobIDs []string `json:"event_job_ids"`
		Rejected    []struct {
			Event, Reason, Detail string
		} `json:"rejected_events"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || len(a.EventJobIDs) != 1 || len(a.Rejected) != 1 ||
		a.Rejected[0].Event != "leads[status][1]" || a.Rejected[0].Reason != "bad_value" || strings.Contains(string(raw), "Иванов") {
		t.Fatalf("answer %d %s", resp.StatusCode, raw)
	}
	var res workflows.WebhookResult
	h.completed(a.JobID, &res)
	var r workflows.HookResult
	if o := outcome(t, res, &r); r.LeadID != good || r.TargetLeadID == 0 {
		t.Fatalf("event %+v: %+v", o, r)
	}
	if n := len(h.fake.Leads(corp)); n != 1 {
		t.Fatalf("corporate leads = %d, want the good event's one", n)
	}
}

// An Idempotency-Key is bound to its body in Postgres: the same body again
// is the same job, another body under the key is refused with 422.
func TestIdempotencyKeyBoundToItsBody(t *testing.T) {
	h := newHarness(t)
	key := "e2e-" + randomID()
	first := url.Values{"phone": {"89165550101"}, "comment": {"первая заявка"}}
	code, out := h.postForm(first, "Idempotency-Key", key)
	if code != http.StatusAccepted || out["job_id"] != "form-retail-"+key {
		t.Fatalf("first: %d %v", code, out)
	}
	other := url.Values{"phone": {"89165550101"}, "comment": {"другая заявка"}}
	if code, out := h.postForm(other, "Idempotency-Key", key); code != http.StatusUnprocessableEntity || out["field"] != "Idempotency-Key" {
		t.Fatalf("another body under the key: %d %v", code, out)
	}
	if code, again := h.postForm(first, "Idempotency-Key", key); code != http.StatusAccepted || again["job_id"] != out["job_id"] {
		t.Fatalf("the same body again: %d %v", code, again)
	}
	var res workflows.FormResult
	h.completed(out["job_id"].(string), &res)
	if n := len(h.fake.Leads(retail)); n != 1 {
		t.Fatalf("%d leads, want 1", n)
	}
	notes := h.fake.Notes(retail, "leads")
	if len(notes) != 1 || notes[0].Params["text"] != "первая заявка" {
		t.Fatalf("notes %+v: want the first body's comment only", notes)
	}
}
