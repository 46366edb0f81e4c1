package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"amoflow/amofake"
	"amoflow/app"
	"amoflow/metrics"
	"amoflow/store"
	"amoflow/workflows"
)

// Work on one person (forms) or one amoCRM lead (webhooks) is serialized by
// leases across every worker process (workflows/serialize.go).

const secondIdentity = "e2e-second-process"

// startSecondProcess runs the workers another `amoflow worker` process
// would: its own Temporal client (with its own identity), amoCRM clients and
// Postgres pool, on the same task queues and database.
func (h *harness) startSecondProcess() {
	h.t.Helper()
	dc, fc, err := app.Converters(h.cfg) // payloads are encrypted, as in every process
	if err != nil {
		h.t.Fatal(err)
	}
	tc, err := client.DialContext(h.ctx, client.Options{
		HostPort:         h.cfg.Temporal.HostPort,
		Namespace:        h.cfg.Temporal.Namespace,
		Identity:         secondIdentity,
		Logger:           tlog.NewStructuredLogger(quietLogger()),
		DataConverter:    dc,
		FailureConverter: fc,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(tc.Close)
	db, err := store.Open(h.ctx, h.cfg.Postgres.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(db.Close)
	clients, err := app.AmoClients(h.cfg, db)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() { _ = app.RunWorkers(ctx, app.Workers(h.cfg, tc, clients, db)); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
}

// postRaw sends a form body as is and returns the job id of its 202.
func (h *harness) postRaw(contentType, body string) string {
	resp, err := http.Post(h.api.URL+"/v1/forms", contentType, strings.NewReader(body))
	if err != nil {
		h.t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Errorf("form answer %d %s: %v", resp.StatusCode, raw, err)
		return ""
	}
	if resp.StatusCode != http.StatusAccepted || out.JobID == "" {
		h.t.Errorf("POST /v1/forms = %d %s, want 202", resp.StatusCode, raw)
	}
	return out.JobID
}

// workerIdentities lists who ran the workflow's tasks and activities.
func (h *harness) workerIdentities(id string) []string {
	var out []string
	it := h.tc.GetWorkflowHistory(h.ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			h.t.Fatal(err)
		}
		switch {
		case e.GetWorkflowTaskStartedEventAttributes() != nil:
			out = append(out, e.GetWorkflowTaskStartedEventAttributes().GetIdentity())
		case e.GetActivityTaskStartedEventAttributes() != nil:
			out = append(out, e.GetActivityTaskStartedEventAttributes().GetIdentity())
		}
	}
	return out
}

// waitAll waits for the jobs to close; for those that do not, it reports
// what they wait for (their pending activities and last failures).
func (h *harness) waitAll(ids []string, within time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for _, id := range ids {
		for h.stillRunning(id, time.Now().After(deadline)) {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// stillRunning reports whether the job is not closed yet (or not started
// by the bridge yet); when late, it fails the test with what the job waits on.
func (h *harness) stillRunning(id string, late bool) bool {
	h.t.Helper()
	d, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
	case err != nil:
		h.t.Fatal(err)
	case d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return false
	}
	if late {
		for _, pa := range d.GetPendingActivities() {
			h.t.Logf("%s waits on %s (attempt %d): %v", id, pa.GetActivityType().GetName(), pa.GetAttempt(), pa.GetLastFailure().GetMessage())
		}
		h.t.Fatalf("job %s not finished in time", id)
	}
	return true
}

func TestOnePersonsConcurrentFormsAcrossTwoProcessesMakeOneContactAndOneLead(t *testing.T) {
	h := newHarness(t)
	h.startSecondProcess()
	// amoCRM's search does not show what was just created: only the leases
	// and the index of what the flows created can join these forms.
	h.fake.SetFaults(retail, amofake.Faults{SearchLag: time.Hour})
	tag := h.cfg.Temporal.TaskQueue

	phones := []string{"+7 (999) 123-45-67", "89991234567", "7-999-123-4567", "9991234567", "8 999 123 45 67", "+7 999 1234567"}
	emails := []string{"Anna@Example.ru", "anna@example.ru", "", "ANNA@EXAMPLE.RU", "", "anna@Example.RU"}
	forms := []string{"Перезвоните мне", "Записаться на курс"}
	n := len(phones)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		comment := fmt.Sprintf("Форма %d (%s)", i, tag)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 { // urlencoded, fields in a different order each time
				f := []string{
					"comment=" + url.QueryEscape(comment),
					"phone=" + url.QueryEscape(phones[i]),
					"name=" + url.QueryEscape("Анна"),
					"form_name_site=" + url.QueryEscape(forms[i%2]),
				}
				if emails[i] != "" {
					f = append(f, "email="+url.QueryEscape(emails[i]))
				}
				for range i {
					f = append(f[1:], f[0])
				}
				ids[i] = h.postRaw("application/x-www-form-urlencoded", strings.Join(f, "&"))
				return
			}
			body := fmt.Sprintf(`{"form_name_site": %q, "email": %q, "comment": %q, "phone": %q}`, forms[i%2], emails[i], comment, phones[i])
			ids[i] = h.postRaw("application/json", body)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	h.waitAll(ids, 90*time.Second)
	var leadID, contactID int64
	created := 0
	for _, id := range ids {
		var res workflows.FormResult
		h.completed(id, &res)
		if leadID == 0 {
			leadID, contactID = res.LeadID, res.ContactID
		}
		if res.LeadID != leadID || res.ContactID != contactID {
			t.Errorf("job %s went to lead %d / contact %d, another to %d / %d", id, res.LeadID, res.ContactID, leadID, contactID)
		}
		if !res.Merged {
			created++
		} else if created == 1 {
			h.recordHistory(id, "create_lead_serialized_merge")
		}
	}
	if created != 1 {
		t.Errorf("%d forms created a lead, want exactly 1 (the others merge)", created)
	}
	contacts, leads := h.fake.Contacts(retail), h.fake.Leads(retail)
	if len(contacts) != 1 || len(leads) != 1 {
		t.Fatalf("contacts = %d, leads = %d; want one of each", len(contacts), len(leads))
	}
	// The e-mail is on it when the form that came first had one (a merge
	// does not add contact data).
	if c := contacts[0]; !hasValue(c.CustomFields, "PHONE", "+79991234567") {
		t.Errorf("contact = %+v", c)
	}
	if !slices.Contains(leads[0].ContactIDs, contacts[0].ID) {
		t.Errorf("the lead is not linked to the contact: %+v", leads[0])
	}
	notes := notesOf(h.fake.Notes(retail, "leads"), leads[0].ID, "common")
	if len(notes) != n {
		t.Errorf("notes on the lead = %d, want %d", len(notes), n)
	}

	// Both processes did the work; every lease was released.
	var mine, other int
	for _, id := range ids {
		for _, who := range h.workerIdentities(id) {
			if who == secondIdentity {
				other++
			} else {
				mine++
			}
		}
	}
	if mine == 0 || other == 0 {
		t.Errorf("tasks run by the first process %d, by the second %d: both should have worked", mine, other)
	}
	var held int
	if err := h.db.Pool.QueryRow(h.ctx, `SELECT count(*) FROM leases`).Scan(&held); err != nil || held != 0 {
		t.Errorf("leases left = %d (%v), want 0", held, err)
	}
}

// deliverAsync posts a webhook that must be accepted; the job is waited for later.
func (h *hookHarness) deliverAsync(method, body string) string {
	code, a := h.post("/v1/amo/webhooks/"+method+"?token="+hookToken, body)
	if code != http.StatusAccepted || a.JobID == "" {
		h.t.Errorf("POST %s webhook = %d %+v, want 202", method, code, a)
	}
	return a.JobID
}

func TestTwoEventsOfOneLeadRunOneAfterTheOther(t *testing.T) {
	h := newHookHarness(t)
	h.startSecondProcess()
	// The just-created linked lead does not show in amoCRM's search.
	h.fake.SetFaults(corp, amofake.Faults{SearchLag: time.Hour})

	// ret2corp: a stage change and an account hook of one retail lead, together.
	leadID, _ := h.retailClient("8 (916) 555-77-01", "serial@corp.example")
	// corp2agr: two stage events of one corporate lead, together.
	src := h.fake.AddLead(corp, amofake.Lead{ID: freshID(), Name: "Договор", PipelineID: 5312269, StatusID: 47337076, ResponsibleUserID: 2375131})
	h.fake.ResetCalls()

	// … and a corporate site form of the same person, at the same time.
	var formJob string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		formJob = h.postRaw("application/x-www-form-urlencoded", url.Values{"amo": {"corp"}, "phone": {"+7 916 555 77 01"},
			"email": {"Serial@Corp.example"}, "comment": {"Корпоративная заявка " + h.cfg.Temporal.TaskQueue}}.Encode())
	}()
	jobs := make([]string, 4)
	for i, d := range []struct{ method, body string }{
		{"ret2corp", stageHook(leadID, 3198184, 35942104, 32532883, retailID, retail)},
		{"ret2corp", accountHook("leads", "update", leadID, time.Now().Unix(), retailID, retail, nil)},
		{"corp2agr", stageHook(src, 5312269, 47337076, 47317618, corpID, corp)},
		{"corp2agr", accountHook("leads", "status", src, time.Now().Unix(), corpID, corp, nil)},
	} {
		wg.Add(1)
		go func() { defer wg.Done(); jobs[i] = h.deliverAsync(d.method, d.body) }()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	h.waitAll(jobs, 90*time.Second)
	results := make([]workflows.HookResult, 4)
	for i, id := range jobs {
		var res workflows.WebhookResult
		h.completed(id, &res)
		o := outcome(t, res, &results[i])
		h.recordHistory(o.JobID, fmt.Sprintf("serialized_%s_%d", res.Method, i))
	}

	var corpLeads, contracts []int64
	for _, l := range h.fake.Leads(corp) {
		switch {
		case amofake.FirstValue(l.CustomFields, 752191) == fmt.Sprint(leadID):
			corpLeads = append(corpLeads, l.ID)
		case amofake.FirstValue(l.CustomFields, 759479) == fmt.Sprint(src):
			contracts = append(contracts, l.ID)
		}
	}
	if len(corpLeads) != 1 || len(contracts) != 1 {
		t.Fatalf("corporate leads of the retail lead = %v, contract leads of the source = %v; want one each", corpLeads, contracts)
	}
	var form workflows.FormResult
	h.completed(formJob, &form)
	if cs := h.fake.Contacts(corp); len(cs) != 1 || cs[0].ID != form.ContactID {
		t.Errorf("corporate contacts = %+v, the form's %d; want the person once", cs, form.ContactID)
	}
	for i, want := range []int64{corpLeads[0], corpLeads[0], contracts[0], contracts[0]} {
		if results[i].TargetLeadID != want {
			t.Errorf("event %d: %+v, want target lead %d", i, results[i], want)
		}
	}
	// When the form ran first, ret2corp joins the form's open lead and
	// creates nothing; else the form merges into ret2corp's lead.
	joined := !form.Merged && form.LeadID == corpLeads[0] && !results[0].Created && !results[1].Created
	if (!joined && results[0].Created == results[1].Created) || results[2].Created == results[3].Created {
		t.Errorf("exactly one event of each lead should create (or ret2corp joins the form's lead): %+v, form %+v", results, form)
	}
	var held int
	if err := h.db.Pool.QueryRow(h.ctx, `SELECT count(*) FROM leases`).Scan(&held); err != nil || held != 0 {
		t.Errorf("leases left = %d (%v), want 0", held, err)
	}
}

func TestALeaseOfATerminatedHolderIsTakenOver(t *testing.T) {
	h := newHarness(t)
	tag := h.cfg.Temporal.TaskQueue
	// amoCRM fails every request: the first form holds the person's lease and retries.
	h.fake.SetFaults(retail, amofake.Faults{ErrorRate: 1})
	first := h.accept(url.Values{"phone": {"+7 903 777-00-11"}, "comment": {"first " + tag}})
	waitFor(t, 30*time.Second, "the first form to hold the lease", func() bool {
		var n int
		_ = h.db.Pool.QueryRow(h.ctx, `SELECT count(*) FROM leases WHERE workflow_id = $1`, first).Scan(&n)
		return n == 1
	})
	second := h.accept(url.Values{"phone": {"89037770011"}, "comment": {"second " + tag}})
	_, fc, err := app.Converters(h.cfg) // failure messages are encrypted too
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the second form to wait for the first one's lease", func() bool {
		d, err := h.tc.DescribeWorkflowExecution(h.ctx, second, "")
		if err != nil {
			return false
		}
		for _, pa := range d.GetPendingActivities() {
			if pa.GetActivityType().GetName() == "AcquireLeases" && pa.GetAttempt() > 1 &&
				pa.GetLastFailure() != nil &&
				strings.Contains(fc.FailureToError(pa.GetLastFailure()).Error(), "held by workflow "+first) {
				return true
			}
		}
		return false
	})

	takeovers := counterValue(t, "amoflow_lease_takeovers_total")
	if counterValue(t, "amoflow_lease_waits_total") < 1 {
		t.Error("amoflow_lease_waits_total did not count the wait")
	}

	// An operator terminates the first job; amoCRM recovers.
	if err := h.tc.TerminateWorkflow(h.ctx, first, "", "test: holder terminated"); err != nil {
		t.Fatal(err)
	}
	h.fake.SetFaults(retail, amofake.Faults{})
	var res workflows.FormResult
	h.completed(second, &res)
	if leads := h.fake.Leads(retail); len(leads) != 1 || leads[0].ID != res.LeadID {
		t.Fatalf("leads = %+v, result %+v", leads, res)
	}
	if got := counterValue(t, "amoflow_lease_takeovers_total"); got <= takeovers {
		t.Errorf("amoflow_lease_takeovers_total = %v, was %v: the takeover was not counted", got, takeovers)
	}
	var held int
	if err := h.db.Pool.QueryRow(h.ctx, `SELECT count(*) FROM leases`).Scan(&held); err != nil || held != 0 {
		t.Errorf("leases left = %d (%v), want 0", held, err)
	}
}

// counterValue reads a counter of the process-wide registry.
func counterValue(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
