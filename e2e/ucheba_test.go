package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/ucheba"
	"amoflow/ucheba/uchebafake"
	"amoflow/workflows"
)

// The nightly ucheba.ru import end to end, against the fake ucheba.ru and
// the fake amoCRM: the Schedule's run, the old manual trigger over HTTP
// and the by-hand import of the same day, and each request becomes one
// lead, once.

const uchebaToken = "e2e-ucheba-token"

// uchebaHarness is a harness whose import reads the fake ucheba.ru, with
// the old hook URLs open and a schedule of its own.
func uchebaHarness(t *testing.T) (*harness, *uchebafake.Server) {
	api := uchebafake.New(uchebaToken, 9915)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	h := newHarness(t, func(cfg *config.Config) {
		cfg.Ucheba.Enabled, cfg.Ucheba.BaseURL, cfg.Ucheba.Token = true, srv.URL+"/v1", uchebaToken
		cfg.Ucheba.Schedule.ID = "ucheba-nightly-e2e-" + randomID()
		cfg.Inbound.Legacy.Hooks = config.LegacyRoute{Enabled: true}
	})
	t.Cleanup(func() { _ = h.tc.ScheduleClient().GetHandle(h.ctx, h.cfg.Ucheba.Schedule.ID).Delete(h.ctx) })
	return h, api
}

// uchebaRequest is a lead whose latest request is a question (or, with a
// program, a learning request), under a fresh activity id.
func uchebaRequest(name, phone, email, program string) ucheba.Lead {
	id := freshID()
	a := &ucheba.Activity{ID: id, Type: &ucheba.ActivityType{Value: ucheba.TypeQuestion}, Question: &ucheba.Question{ID: id, Text: "Есть ли вечерние группы?"}}
	if program != "" {
		a = &ucheba.Activity{ID: id, Type: &ucheba.ActivityType{Value: ucheba.TypeLearningRequest},
			LearningRequest: &ucheba.LearningRequest{ID: id, Program: &ucheba.Program{ID: 1, Name: program}}}
	}
	return ucheba.Lead{ID: id, Person: &ucheba.Person{ID: id, FullName: name, Phone: phone, Email: email}, LastActivity: a}
}

func TestUchebaImportTwiceImportsOnce(t *testing.T) {
	h, api := uchebaHarness(t)
	loc, _ := time.LoadLocation("Europe/Moscow")
	day := time.Now().In(loc).AddDate(0, 0, -1).Format(ucheba.DayLayout)

	massage := uchebaRequest("Анна Учебная", "+7 916 100-00-01", "", "Медицинский массаж")
	evening := uchebaRequest("Олег Вопросов", "", "Oleg.Voprosov@Example.ru", "")
	nobody := uchebaRequest("Без Контактов", "", "", "")
	cosmetology := uchebaRequest("Вера Косметолог", "89161000004", "vera@example.ru", "Косметология")
	unnamed := uchebaRequest(" ", "+79161000005", "", "")
	api.Add(day, massage, evening, nobody, cosmetology, evening, unnamed) // evening listed twice
	api.Add("2020-01-01", uchebaRequest("Давний День", "+79161000006", "", ""))
	usable := []ucheba.Lead{massage, evening, cosmetology}
	jobOf := func(l ucheba.Lead) string { return workflows.UchebaFormJobID("retail", 9915, l.LastActivity.ID) }

	// The Schedule, created by the worker's start; its run imports yesterday.
	if got, err := app.EnsureUchebaSchedule(h.ctx, h.cfg, h.tc); err != nil || got != "created" {
		t.Fatalf("schedule: %q %v", got, err)
	}
	sched := h.tc.ScheduleClient().GetHandle(h.ctx, h.cfg.Ucheba.Schedule.ID)
	api.FailNext(1) // ucheba.ru down for a moment: retried, not failed
	if err := sched.Trigger(h.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var first workflows.UchebaImportResult
	scheduledRun := h.scheduledRun(sched)
	h.completed(scheduledRun, &first)
	if first.Day != day || first.Fetched != 6 || len(first.Imported) != 3 || len(first.AlreadyImported) != 0 ||
		!slices.Equal(first.Unusable, []int64{nobody.ID, unnamed.ID}) || first.Duplicates != 1 {
		t.Fatalf("scheduled run: %+v; want day %s, 6 listed, 3 imported, 2 unusable, 1 repeated", first, day)
	}
	for _, l := range usable {
		var res workflows.FormResult
		h.completed(jobOf(l), &res)
	}
	h.recordHistory(scheduledRun, "ucheba_import")
	for id, want := range map[string]string{scheduledRun: "ucheba/import", jobOf(massage): "form/ucheba.ru/Заявка с формы Запись на обучение с сайта ucheba.ru"} {
		if got := h.amoSource(id); got != want {
			t.Errorf("AmoSource of %s = %q, want %q", id, got, want)
		}
	}
	if api.Calls() != 2 {
		t.Errorf("%d calls to ucheba.ru, want 2 (one failed, one page)", api.Calls())
	}
	// Read without the codec, the import's and a form's histories hold no
	// name, phone or email of the requests.
	plain, err := client.Dial(client.Options{HostPort: h.cfg.Temporal.HostPort, Namespace: h.cfg.Temporal.Namespace,
		Logger: tlog.NewStructuredLogger(quietLogger())})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, id := range []string{scheduledRun, jobOf(evening)} {
		raw := rawHistory(t, &hookHarness{harness: h}, plain, id)
		for _, pd := range []string{"Анна Учебная", "100-00-01", "Oleg.Voprosov", "oleg.voprosov", "Вера Косметолог", "89161000004"} {
			if bytes.Contains(raw, []byte(pd)) {
				t.Errorf("history of %s holds %q in clear", id, pd)
			}
		}
	}

	// The old manual trigger, over HTTP: stored, 200, and the day's import
	// runs again through the broker, finding everything imported.
	resp, err := http.Get(h.api.URL + "/wh/nightly")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /wh/nightly = %d, want 200", resp.StatusCode)
	}
	var second workflows.UchebaImportResult
	h.completed(workflows.UchebaImportJobID(day), &second)
	if len(second.Imported) != 0 || len(second.AlreadyImported) != 3 {
		t.Errorf("manual trigger: %+v, want all 3 already imported", second)
	}
	h.recordHistory(workflows.UchebaImportJobID(day), "ucheba_import_again")

	// By hand (amoflow import ucheba --date), with the Postgres record lost
	// (as if a run stopped between its starts and its record): Temporal
	// refuses the known jobs, and the record is written again.
	if _, err := h.db.Pool.Exec(h.ctx, `DELETE FROM ucheba_forms`); err != nil {
		t.Fatal(err)
	}
	third, attached, err := app.ImportUcheba(h.ctx, h.cfg, h.tc, day, nil)
	if err != nil || attached || len(third.Imported) != 0 || len(third.AlreadyImported) != 3 {
		t.Errorf("by hand: %+v attached %v %v, want all 3 already imported", third, attached, err)
	}
	h.recordHistory(workflows.UchebaImportJobID(day), "ucheba_import_refused")
	var recorded int
	if err := h.db.Pool.QueryRow(h.ctx, `SELECT count(*) FROM ucheba_forms`).Scan(&recorded); err != nil || recorded != 3 {
		t.Errorf("%d forms recorded again (%v), want 3", recorded, err)
	}

	// Past Temporal's retention (the form jobs deleted, as retention would):
	// the Postgres record still says they ran.
	for _, l := range usable {
		if _, err := h.tc.WorkflowService().DeleteWorkflowExecution(h.ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: h.cfg.Temporal.Namespace, WorkflowExecution: &common.WorkflowExecution{WorkflowId: jobOf(l)}}); err != nil {
			t.Fatal(err)
		}
	}
	h.waitForgotten(jobOf(massage))
	fourth, _, err := app.ImportUcheba(h.ctx, h.cfg, h.tc, day, nil)
	if err != nil || len(fourth.Imported) != 0 || len(fourth.AlreadyImported) != 3 {
		t.Errorf("after retention: %+v %v, want all 3 already imported", fourth, err)
	}

	// One lead per usable request, in the retail account, with its note.
	leads := h.fake.Leads(retail)
	if len(leads) != 3 {
		t.Fatalf("%d leads in retail, want 3 (one per usable request): %+v", len(leads), leads)
	}
	notes := h.fake.Notes(retail, "leads")
	for _, want := range []string{
		"Заявка на обучение с сайта ucheba.ru по программе: Медицинский массаж",
		"Вопрос с сайта ucheba.ru: Есть ли вечерние группы?",
		"Заявка на обучение с сайта ucheba.ru по программе: Косметология",
	} {
		if !slices.ContainsFunc(notes, func(n amofake.Note) bool {
			return n.NoteType == amocrm.NoteCommon && strings.Contains(fmt.Sprint(n.Params["text"]), want)
		}) {
			t.Errorf("no lead note holds %q", want)
		}
	}
	fromUcheba := 0
	for _, n := range notes {
		if strings.Contains(fmt.Sprint(n.Params["text"]), "с сайта ucheba.ru") {
			fromUcheba++
		}
	}
	if fromUcheba != 3 {
		t.Errorf("%d lead notes from ucheba.ru, want 3: one per request, none added by a later import", fromUcheba)
	}
	if n := len(h.fake.Contacts(retail)); n != 3 {
		t.Errorf("%d contacts, want 3", n)
	}
}

// scheduledRun waits for the schedule's latest action and returns its workflow id.
func (h *harness) scheduledRun(s client.ScheduleHandle) string {
	h.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		d, err := s.Describe(h.ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if n := len(d.Info.RecentActions); n > 0 && d.Info.RecentActions[n-1].StartWorkflowResult != nil {
			return d.Info.RecentActions[n-1].StartWorkflowResult.WorkflowID
		}
	}
	h.t.Fatalf("schedule %s took no action", s.GetID())
	return ""
}

// The worker's start creates the Schedule once and, on every later start,
// brings it in line with the configuration without unpausing it.
func TestUchebaScheduleCreatedOnceAndUpdated(t *testing.T) {
	h, _ := uchebaHarness(t)
	if got, err := app.EnsureUchebaSchedule(h.ctx, h.cfg, h.tc); err != nil || got != "created" {
		t.Fatalf("first start: %q %v, want created", got, err)
	}
	sched := h.tc.ScheduleClient().GetHandle(h.ctx, h.cfg.Ucheba.Schedule.ID)
	if err := sched.Pause(h.ctx, client.SchedulePauseOptions{Note: "paused by an operator"}); err != nil {
		t.Fatal(err)
	}
	h.cfg.Ucheba.Schedule.Cron, h.cfg.Ucheba.Schedule.TimeZone = "30 4 * * *", "Asia/Yekaterinburg"
	if got, err := app.EnsureUchebaSchedule(h.ctx, h.cfg, h.tc); err != nil || got != "updated" {
		t.Fatalf("second start: %q %v, want updated", got, err)
	}
	d, err := sched.Describe(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Schedule.State.Paused || d.Schedule.Spec.TimeZoneName != "Asia/Yekaterinburg" {
		t.Errorf("after the update: paused %v, zone %q; want still paused, the new zone", d.Schedule.State.Paused, d.Schedule.Spec.TimeZoneName)
	}
	if cal := d.Schedule.Spec.Calendars; len(cal) != 1 || len(cal[0].Hour) != 1 || cal[0].Hour[0].Start != 4 || len(cal[0].Minute) != 1 || cal[0].Minute[0].Start != 30 {
		t.Errorf("after the update: calendars %+v, want 04:30", cal)
	}
	if a, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction); !ok || a.Workflow != workflows.UchebaImportName || a.TaskQueue != h.cfg.Temporal.TaskQueue {
		t.Errorf("action %+v", d.Schedule.Action)
	}
	// Listed once (the list is eventually consistent: asked until it shows).
	n := 0
	for deadline := time.Now().Add(15 * time.Second); n != 1 && time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		it, err := h.tc.ScheduleClient().List(h.ctx, client.ScheduleListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n = 0
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e.ID == h.cfg.Ucheba.Schedule.ID {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("%d schedules named %s, want 1", n, h.cfg.Ucheba.Schedule.ID)
	}
	// Off: nothing is created.
	h.cfg.Ucheba.Enabled = false
	if got, err := app.EnsureUchebaSchedule(h.ctx, h.cfg, h.tc); err != nil || got != "off" {
		t.Errorf("import off: %q %v", got, err)
	}
}

// A backfill of a given day while an import of that day runs follows the
// running one (amoflow import ucheba answers it was already running), and
// both get its result.
func TestUchebaBackfillFollowsARunningImport(t *testing.T) {
	h, api := uchebaHarness(t)
	const day = "2026-11-20"
	api.Add(day, uchebaRequest("Лиза Бэкфилл", "+79162000001", "", "Массаж"))
	api.FailNext(1) // the first listing fails: the run waits 5 s for its retry
	type answer struct {
		res      workflows.UchebaImportResult
		attached bool
		err      error
	}
	first := make(chan answer, 1)
	go func() {
		res, attached, err := app.ImportUcheba(h.ctx, h.cfg, h.tc, day, nil)
		first <- answer{res, attached, err}
	}()
	for deadline := time.Now().Add(20 * time.Second); api.Calls() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the import never asked ucheba.ru")
		}
	}
	var seen []workflows.UchebaImportResult
	res, attached, err := app.ImportUcheba(h.ctx, h.cfg, h.tc, day, func(p workflows.UchebaImportResult) { seen = append(seen, p) })
	a := <-first
	if err != nil || a.err != nil || !attached || a.attached {
		t.Fatalf("second: attached %v %v; first: attached %v %v; want the second attached", attached, err, a.attached, a.err)
	}
	if len(res.Imported) != 1 || len(a.res.Imported) != 1 || res.Imported[0] != a.res.Imported[0] || res.Day != day {
		t.Errorf("results differ or import nothing: %+v / %+v", res, a.res)
	}
	if len(seen) == 0 || seen[0].Done || seen[0].Day != day {
		t.Errorf("progress while waiting for the retry: %+v, want the day and not done", seen)
	}
	var form workflows.FormResult
	h.completed(res.Imported[0], &form)
	if n := len(h.fake.Leads(retail)); n != 1 {
		t.Errorf("%d leads, want 1", n)
	}
}

// amoSource is the AmoSource search attribute of a workflow ("" if none).
func (h *harness) amoSource(id string) string {
	h.t.Helper()
	d, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
	if err != nil {
		h.t.Fatal(err)
	}
	var src string
	if p := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["AmoSource"]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &src)
	}
	return src
}

// waitForgotten waits until Temporal no longer knows the workflow.
func (h *harness) waitForgotten(id string) {
	h.t.Helper()
	start := time.Now()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := h.tc.DescribeWorkflowExecution(h.ctx, id, ""); err != nil {
			h.t.Logf("%s forgotten after %v: %v", id, time.Since(start), err)
			return
		}
	}
	h.t.Fatalf("%s still known after its deletion", id)
}
