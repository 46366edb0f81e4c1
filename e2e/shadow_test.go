package e2e

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/app"
	"amoflow/config"
	"amoflow/shadow/report"
	"amoflow/store"
	"amoflow/workflows"
)

// oldSystemLead is what the old integration writes to amoCRM for a site form
// of scenario1's shape: the lead with its new contact in one request, then
// the comment as a note. status is where it puts the lead.
func oldSystemLead(t *testing.T, c *amocrm.Client, form url.Values, phone, email string, status int64) {
	t.Helper()
	ctx := context.Background()
	text := func(id int64, v string) amocrm.CustomFieldValue {
		return amocrm.CustomFieldValue{FieldID: id, Values: []amocrm.Value{{Value: v}}}
	}
	lead := amocrm.Lead{
		Name: "Новая сделка", PipelineID: 3198184, StatusID: status, ResponsibleUserID: 2576764,
		CustomFieldsValues: amocrm.CustomFields{
			text(639075, form.Get("form_name_site")), text(639081, "mzpo-s.ru"),
			text(639083, form.Get("page_url")), text(639085, form.Get("roistat_marker")),
		},
		Embedded: &amocrm.LeadEmbedded{
			Tags: []amocrm.Tag{{Name: "mzpo-s.ru"}},
			Contacts: []amocrm.Contact{{FirstName: form.Get("name"), ResponsibleUserID: 2576764, CustomFieldsValues: amocrm.CustomFields{
				{FieldCode: "PHONE", Values: []amocrm.Value{{Value: phone, EnumCode: "WORK"}}},
				{FieldCode: "EMAIL", Values: []amocrm.Value{{Value: email, EnumCode: "WORK"}}},
			}}},
		},
	}
	got, err := c.AddLeadsComplex(ctx, []amocrm.Lead{lead})
	if err != nil || len(got) != 1 {
		t.Fatalf("old system: leads/complex: %v %v", got, err)
	}
	if _, err := c.AddNotes(ctx, amocrm.EntityLeads, []amocrm.Note{amocrm.CommonNote(got[0].ID, form.Get("comment"))}); err != nil {
		t.Fatalf("old system: note: %v", err)
	}
}

// Shadow mode end to end: the retail account in shadow mode takes two site
// forms; amoflow reads the (fake) account and plans its writes without
// sending one. A scripted old system then makes its own writes for the same
// two people, the second time with the lead in another stage. The report
// agrees on the first and flags the stage of the second, naming fields only.
func TestShadowModePlansAndReportsAgainstTheOldSystem(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Accounts["retail"].Mode = config.ModeShadow
		c.OneC.Mode = config.ModeShadow
	})
	since := time.Now().Add(-time.Minute)

	agree := scenario1("Shadow: перезвоните после 18:00")
	differ := scenario1("Shadow: позвоните утром")
	differ.Set("name", "Пётр")
	differ.Set("phone", "+7 903 555-44-33")
	differ.Set("email", "petr@example.ru")

	var resA, resB workflows.FormResult
	idA, idB := h.accept(agree), h.accept(differ)
	h.completed(idA, &resA)
	h.completed(idB, &resB)
	for _, r := range []workflows.FormResult{resA, resB} {
		if !amocrm.IsShadowID(r.LeadID) || !amocrm.IsShadowID(r.ContactID) || r.Merged {
			t.Fatalf("result %+v; want a planned (made-up) lead and contact", r)
		}
	}

	// Nothing was written: the account saw reads only.
	for _, c := range h.fake.Calls(retail) {
		if c.Method != "GET" && !strings.Contains(c.Path, "/oauth2/") {
			t.Errorf("shadow mode sent %s %s", c.Method, c.Path)
		}
	}
	if n, m := len(h.fake.Leads(retail)), len(h.fake.Contacts(retail)); n != 0 || m != 0 {
		t.Fatalf("the account holds %d leads, %d contacts after shadow runs", n, m)
	}
	rows, err := h.db.ShadowWrites(h.ctx, store.ShadowFilter{Since: since, WorkflowID: idA})
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, r := range rows {
		planned = append(planned, r.Method+" "+r.Path)
	}
	if strings.Join(planned, ", ") != "POST /api/v4/leads/complex, POST /api/v4/leads/notes" {
		t.Errorf("job %s planned %v", idA, planned)
	}
	if rows[0].Account != "retail" || rows[0].WorkflowType != workflows.CreateLeadFromFormName {
		t.Errorf("row %+v", rows[0])
	}

	// The old system does its part on the live account.
	acct := amocrm.AccountFromConfig(h.cfg.Accounts["retail"])
	old := amocrm.New(acct, amocrm.NewTokenSource(h.db, acct))
	oldSystemLead(t, old, agree, "+79161234567", "maria@example.ru", 32532880)
	oldSystemLead(t, old, differ, "+79035554433", "petr@example.ru", 32532883)

	rep, err := app.ShadowReport(h.ctx, h.cfg, h.db, since, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Flows) != 1 {
		t.Fatalf("flows %+v", rep.Flows)
	}
	f := rep.Flows[0]
	if f.Flow != workflows.CreateLeadFromFormName || f.Jobs != 2 || f.Writes != 4 || f.Agree != 3 || f.Differ != 1 ||
		f.Missing+f.Unmatched+f.NotCompared != 0 || len(f.Fields) != 1 || f.Fields["status_id"] != 1 {
		t.Errorf("flow row %+v", f)
	}
	for _, r := range rep.Results {
		switch {
		case r.Job == idB && r.Entity == "lead":
			if r.Outcome != report.Differ || len(r.Diffs) != 1 || r.Diffs[0].Field != "status_id" ||
				r.Diffs[0].Planned != "32532880" || r.Diffs[0].Actual != "32532883" {
				t.Errorf("job B's lead: %+v", r)
			}
		case r.Outcome != report.Agree:
			t.Errorf("%s %s %s: %s %+v", r.Job, r.Write, r.Entity, r.Outcome, r.Diffs)
		}
	}

	// The printed table names fields, never a person's data.
	var out bytes.Buffer
	if err := report.WriteTable(&out, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{workflows.CreateLeadFromFormName, "status_id", idB} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	for _, pii := range []string{"Мария", "Пётр", "79161234567", "79035554433", "example.ru"} {
		if strings.Contains(out.String(), pii) {
			t.Errorf("the table shows %q", pii)
		}
	}
}

// Shadow mode for one flow: corp stays live but plans Ret2Corp's writes. A
// ret2corp hook runs the flow against the live accounts; its corporate lead,
// contact and notes are planned, not made, and what it writes to retail
// (the live account) is sent. With no old system acting, the report finds
// the corporate lead missing.
func TestShadowModeForOneFlow(t *testing.T) {
	h := newHookHarness(t)
	h.cfg.Accounts["corp"].ShadowFlows = []string{workflows.Ret2CorpName}
	h.killWorkers()
	h.startWorkers()
	since := time.Now().Add(-time.Minute)
	leadID, _ := h.retailClient("8 (916) 555-77-88", "shadow@corp.example")
	h.fake.ResetCalls()

	_, res := h.deliver("ret2corp", stageHook(leadID, 3198184, 35942104, 32532883, retailID, retail))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	if !r.Created || !amocrm.IsShadowID(r.TargetLeadID) {
		t.Fatalf("result %+v; want a planned corporate lead", r)
	}
	for _, c := range h.fake.Calls(corp) {
		if c.Method != "GET" && !strings.Contains(c.Path, "/oauth2/") {
			t.Errorf("corp: shadowed Ret2Corp sent %s %s", c.Method, c.Path)
		}
	}
	if n := len(h.fake.Leads(corp)); n != 0 {
		t.Errorf("corp holds %d leads", n)
	}
	rows, err := h.db.ShadowWrites(h.ctx, store.ShadowFilter{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("nothing planned")
	}
	for _, w := range rows {
		if w.Account != "corp" || w.WorkflowType != workflows.Ret2CorpName || w.WorkflowID != o.JobID {
			t.Errorf("planned %s %s of %s (%s, job %s); want corp's Ret2Corp writes only", w.Method, w.Path, w.Account, w.WorkflowType, w.WorkflowID)
		}
	}

	rep, err := app.ShadowReport(h.ctx, h.cfg, h.db, since, "corp")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Flows) != 1 || rep.Flows[0].Flow != workflows.Ret2CorpName || rep.Flows[0].Missing == 0 || rep.Flows[0].Agree != 0 {
		t.Errorf("report %+v", rep.Flows)
	}
}
