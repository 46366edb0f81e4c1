package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"amoflow/amofake"
	"amoflow/config"
	"amoflow/internal/testrig"
	"amoflow/workflows"
)

// The old C# host's own API over HTTP: GET / answers as the old host, GET
// /api/leadtasks/{id} lists a retail lead's open tasks read from amoCRM
// (the fake, on the account's queue) with the configured variants, and PUT
// /api/leadtasks keeps the body in onec_notices as kind leadtask.
func TestLegacyLeadTasksEndToEnd(t *testing.T) {
	testrig.NeedsServers(t, "RabbitMQ, Postgres and the embedded Temporal")
	h := newHarness(t, func(c *config.Config) {
		l := &c.Inbound.Legacy
		l.Home, l.LeadTasks = config.LegacyRoute{Enabled: true}, config.LegacyRoute{Enabled: true}
		l.Wait = 20 * time.Second
	})
	variants := h.cfg.Widgets.LeadTasks.Variants // example.yaml's
	if len(variants) == 0 || h.cfg.Widgets.LeadTasks.Account != "retail" {
		t.Fatalf("example.yaml widgets.lead_tasks: %+v", h.cfg.Widgets.LeadTasks)
	}

	if code, body := h.post1C("GET", "/", "", ""); code != 200 || string(body) != "mzpo2amo" {
		t.Errorf("GET / = %d %q", code, body)
	}

	// GET: the open tasks of the lead only, in amoCRM's order.
	lead := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Заявка", PipelineID: 3198184, StatusID: 32532880})
	other := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Другая", PipelineID: 3198184, StatusID: 32532880})
	due := time.Now().Add(time.Hour).Unix()
	open1 := h.fake.AddTask(retail, amofake.Task{EntityType: "leads", EntityID: lead, Text: "Позвонить", CompleteTill: due})
	h.fake.AddTask(retail, amofake.Task{EntityType: "leads", EntityID: lead, Text: "Старая", CompleteTill: due, IsCompleted: true})
	open2 := h.fake.AddTask(retail, amofake.Task{EntityType: "leads", EntityID: lead, Text: "Отправить КП", CompleteTill: due})
	h.fake.AddTask(retail, amofake.Task{EntityType: "leads", EntityID: other, Text: "Чужая", CompleteTill: due})
	reads := h.fake.CallCount(retail, "GET /api/v4/tasks")
	code, body := h.post1C("GET", "/api/leadtasks/"+strconv.FormatInt(lead, 10), "", "")
	var got []workflows.LeadTaskEntry
	if err := json.Unmarshal(body, &got); err != nil || code != 200 {
		t.Fatalf("GET /api/leadtasks/%d = %d %s", lead, code, body)
	}
	if len(got) != 2 || got[0].TaskID != open1 || got[1].TaskID != open2 || strings.Join(got[0].Variants, "|") != strings.Join(variants, "|") {
		t.Errorf("tasks %+v, want %d and %d with %v", got, open1, open2, variants)
	}
	if n := h.fake.CallCount(retail, "GET /api/v4/tasks") - reads; n != 1 {
		t.Errorf("%d task reads, want 1", n)
	}
	// A lead without tasks: amoCRM's 204 is an empty list.
	code, body = h.post1C("GET", "/api/leadtasks/"+strconv.FormatInt(freshID(), 10), "", "")
	if code != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Errorf("a lead without tasks = %d %s", code, body)
	}
	if code, body := h.post1C("GET", "/api/leadtasks/abc", "", ""); code != 400 || string(body) != "error" {
		t.Errorf("a bad id = %d %s", code, body)
	}
	id := h.start1C(workflows.LeadTasksName, workflows.LeadTasksInput{LeadID: lead})
	h.completed(id, &got)
	if len(got) != 2 {
		t.Errorf("the recorded run listed %+v", got)
	}
	h.recordHistory(id, "lead_tasks")

	// PUT: the body kept as a leadtask notice; an XMLHttpRequest gets the old JSON.
	report := "task_id=" + strconv.FormatInt(open1, 10) + "&variant=" + "%D0%92%D0%B7%D1%8F%D1%82%D0%BE"
	req, _ := http.NewRequest("PUT", h.api.URL+"/api/leadtasks", strings.NewReader(report))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != 200 || answer["Message"] != "SUCCESS" {
		t.Fatalf("PUT /api/leadtasks = %d %v", resp.StatusCode, answer)
	}
	waitFor(t, time.Minute, "the lead task report kept", func() bool {
		rows, err := h.db.OneCNotices(h.ctx, time.Now().Add(-time.Hour), workflows.LeadTaskNoticeKind)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			return false
		}
		n := rows[0]
		if n.ContentType != "application/x-www-form-urlencoded" || !strings.HasPrefix(n.JobID, "1c-notice-leadtask-") {
			t.Errorf("kept %+v", n)
		}
		var st workflows.OneCNoticeResult
		h.completed(n.JobID, &st)
		if st != (workflows.OneCNoticeResult{Kind: workflows.LeadTaskNoticeKind, Bytes: len(report), Stored: true}) {
			t.Errorf("job result %+v", st)
		}
		return true
	})
	if others, _ := h.db.OneCNotices(h.ctx, time.Now().Add(-time.Hour), "paymentreceived"); len(others) != 0 {
		t.Errorf("a lead task report kept as a 1C notice: %+v", others)
	}
}
