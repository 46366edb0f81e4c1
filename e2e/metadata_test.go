package e2e

import (
	"strings"
	"testing"

	"go.temporal.io/api/workflowservice/v1"

	"amoflow/app"
	"amoflow/workflows"
)

// TestWorkflowMetadataWithoutPersonalData: the UI lists a form's job as a
// work-log line (flow, source, account, lead link) and never shows who sent it.
func TestWorkflowMetadataWithoutPersonalData(t *testing.T) {
	h := newHarness(t)
	id := h.accept(scenario1("Перезвоните после 18:00"))
	var res workflows.FormResult
	h.completed(id, &res)

	desc, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	dc, _, err := app.Converters(h.cfg) // the metadata is encrypted like every payload
	if err != nil {
		t.Fatal(err)
	}
	var summary, details string
	md := desc.GetExecutionConfig().GetUserMetadata()
	if err := dc.FromPayload(md.GetSummary(), &summary); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if err := dc.FromPayload(md.GetDetails(), &details); err != nil {
		t.Fatalf("details: %v", err)
	}
	t.Logf("summary %q\ndetails %q", summary, details)
	if !strings.Contains(summary, "Заявка с формы Записаться") || !strings.Contains(summary, "mzpo-s.ru") ||
		!strings.Contains(details, "CreateLeadFromForm") || !strings.Contains(details, "retail") {
		t.Errorf("summary %q / details %q lack the flow, form, site or account", summary, details)
	}

	var source string
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["AmoSource"]
	if err := dc.FromPayload(sa, &source); err != nil || source != "form/mzpo-s.ru/Заявка с формы Записаться mzpo-s.ru" {
		t.Errorf("AmoSource = %q (%v)", source, err)
	}
	list, err := h.tc.ListWorkflow(h.ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: `AmoSource STARTS_WITH "form/mzpo-s.ru/" AND WorkflowId = "` + id + `"`})
	if err != nil || len(list.GetExecutions()) != 1 {
		t.Errorf("filter by site: %v, %d executions", err, len(list.GetExecutions()))
	}

	all := summary + details + source
	for _, pii := range []string{"Мария", "916", "123-45-67", "1234567", "Maria", "example.ru", "Перезвоните"} {
		if strings.Contains(all, pii) {
			t.Errorf("metadata shows %q: %s", pii, all)
		}
	}
}
