package e2e

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"amoflow/amofake"
	"amoflow/onec"
	"amoflow/onec/onecfake"
	"amoflow/workflows"
)

// contactNotes returns the texts of a contact's common notes.
func (h *harness) contactNotes(sub string, contactID int64) []string {
	var out []string
	for _, n := range h.fake.Notes(sub, "contacts") {
		if n.EntityID == contactID && n.NoteType == "common" {
			out = append(out, n.Params["text"].(string))
		}
	}
	return out
}

// 1C creates the client but its answer is lost. The retry does not create a
// second client: the transfer asks an operator (a note and a task on the
// contact) and waits; the operator finds the client in 1C and settles it
// with the signal, and the transfer goes on with that client.
func TestSync1COrderLostAnswerCreatesNoSecondClient(t *testing.T) {
	if testing.Short() {
		t.Skip("needs RabbitMQ, Postgres and Temporal")
	}
	h := newHarness(t)
	o := seedOrder(h, true, false)
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.LostAnswer, Method: "EditStudent", Times: 1})
	job := h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead})

	waitFor(t, time.Minute, "the operator's note and task on the contact", func() bool {
		return len(h.contactNotes(retail, o.contact)) > 0 && len(h.fake.Tasks(retail)) > 0
	})
	notes := h.contactNotes(retail, o.contact)
	if len(notes) != 1 || !strings.Contains(notes[0], "onec-create") || !strings.Contains(notes[0], job) {
		t.Errorf("contact notes = %q", notes)
	}
	tasks := h.fake.Tasks(retail)
	if len(tasks) != 1 || tasks[0].EntityID != o.contact || tasks[0].TaskTypeID != taskType1C {
		t.Errorf("tasks = %+v", tasks)
	}
	clients := h.onec.Objects("EditStudent")
	if len(clients) != 1 || len(h.onec.RequestsTo("POST", "EditStudent")) != 1 {
		t.Fatalf("1C holds %d clients after %d creates, want 1 and 1", len(clients), len(h.onec.RequestsTo("POST", "EditStudent")))
	}
	if d, err := h.tc.DescribeWorkflowExecution(h.ctx, job, ""); err != nil ||
		d.WorkflowExecutionInfo.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("job %s while unsure: %v %v, want running", job, d, err)
	}

	// The operator finds the client in 1C and settles the create.
	var guid onec.GUID
	for k := range clients {
		guid = onec.GUID(k)
	}
	if err := h.tc.SignalWorkflow(h.ctx, job, "", workflows.SignalOneCCreate, workflows.OneCCreateDecision{GUID: guid}); err != nil {
		t.Fatal(err)
	}
	var res workflows.Sync1COrderResult
	h.completed(job, &res)
	h.recordHistory(job, "sync_1c_order_lost_answer")
	if !res.ClientID1C.Equal(guid) || res.Status != "transferred" {
		t.Errorf("result = %+v, want client %s", res, guid)
	}
	if n := len(h.onec.Objects("EditStudent")); n != 1 || len(h.onec.RequestsTo("POST", "EditStudent")) != 1 {
		t.Errorf("1C holds %d clients, got %d creates; want 1 and 1", n, len(h.onec.RequestsTo("POST", "EditStudent")))
	}
	c, _ := h.fake.Contact(retail, o.contact)
	if got := amofake.FirstValue(c.CustomFields, 710429); !onec.GUID(got).Equal(guid) {
		t.Errorf("contact client_id_1C = %q, want %s", got, guid)
	}
	apps := h.oneCBodies("EditApplication")
	if len(apps) != 1 || !onec.GUID(apps[0]["client_id_1C"].(string)).Equal(guid) {
		t.Errorf("applications sent: %v", apps)
	}
}

// A gateway's 504 is a lost answer too; a 503 is not (nothing was done).
func TestSync1COrderGateway504IsUnsure(t *testing.T) {
	if testing.Short() {
		t.Skip("needs RabbitMQ, Postgres and Temporal")
	}
	h := newHarness(t)
	o := seedOrder(h, true, false)
	h.onec.SetFault(onecfake.Fault{Kind: onecfake.Gateway504, Method: "EditStudent", Times: 1})
	job := h.start1C(workflows.Sync1COrderName, workflows.Sync1COrderInput{Account: "retail", LeadID: o.lead})
	waitFor(t, time.Minute, "the operator's note on the contact", func() bool { return len(h.contactNotes(retail, o.contact)) > 0 })
	if n := len(h.onec.RequestsTo("POST", "EditStudent")); n != 1 {
		t.Errorf("creates sent = %d, want 1", n)
	}
	// The operator makes sure 1C has nothing (here it does: the operator
	// is wrong, and the duplicate is theirs to own) and asks to create.
	if err := h.tc.SignalWorkflow(h.ctx, job, "", workflows.SignalOneCCreate, workflows.OneCCreateDecision{Create: true}); err != nil {
		t.Fatal(err)
	}
	var res workflows.Sync1COrderResult
	h.completed(job, &res)
	if n := len(h.onec.RequestsTo("POST", "EditStudent")); n != 2 || !res.ClientID1C.Valid() {
		t.Errorf("creates sent = %d, result %+v; want a second create after the decision", n, res)
	}
}
