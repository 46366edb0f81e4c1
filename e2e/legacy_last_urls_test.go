package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/app"
	"amoflow/config"
	"amoflow/eventsapi"
	"amoflow/hookevents"
	"amoflow/internal/testrig"
	"amoflow/workflows"
)

// The last old C# URLs, end to end: GET /wh/leadprocessor/{id} re-runs a
// lead's initial processing (clicks within the dedup window are one job, a
// later click another), and 1C's paymentreceived / courseended notices are
// kept, sealed, in onec_notices.
func TestLegacyLeadRerunAndOneCNotices(t *testing.T) {
	testrig.NeedsServers(t, "RabbitMQ, Postgres and the embedded Temporal")
	ev := eventsapi.NewFake(eventSecret)
	evSrv := httptest.NewServer(ev)
	t.Cleanup(evSrv.Close)
	const window = 3 * time.Second
	h := newHarness(t, func(c *config.Config) {
		c.Inbound.WebhookToken = hookToken
		c.EventsAPI.URL, c.EventsAPI.Secret = evSrv.URL, eventSecret
		c.Inbound.Legacy.Hooks = config.LegacyRoute{Enabled: true}
		c.Inbound.Legacy.OneC = config.LegacyRoute{Enabled: true}
		c.Inbound.LegacyWebhooks = config.LegacyWebhooks{Enabled: true, AllowFrom: []string{"127.0.0.1", "::1"}}
		c.Inbound.OneCToken = oneCToken
		c.Inbound.DedupWindow = window
		c.TokenKeys = config.KeyRing{{ID: "e2e", Key: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))}}
	})

	// A site-form lead whose add hook never came: the manual re-run processes it.
	id := h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Заявка", PipelineID: 3198184, StatusID: 32532880,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpokurs.com")}})
	rerun := func() string {
		t.Helper()
		for {
			before := time.Now()
			code, body := h.post1C("GET", fmt.Sprintf("/wh/leadprocessor/%d", id), "", "")
			after := time.Now()
			if code != http.StatusOK || len(body) != 0 {
				t.Fatalf("GET /wh/leadprocessor/%d = %d %q", id, code, body)
			}
			if before.Truncate(window).Equal(after.Truncate(window)) {
				return hookevents.InitialLeadRerun("retail", id, before, window).JobID
			}
			time.Sleep(window / 3) // the request straddled a window edge: again
		}
	}
	job := rerun()
	var res workflows.WebhookResult
	h.completed(job, &res)
	var r workflows.InitialLeadResult
	o := outcome(t, res, &r)
	if !strings.Contains(o.JobID, "-rerun-") || r.Path != "phases" || !r.Changed {
		t.Errorf("re-run %s: %+v", o.JobID, r)
	}
	notes := len(serviceNotes(h.fake.Notes(retail, "leads"), id))
	if l, _ := h.fake.Lead(retail, id); notes == 0 || amofake.FirstValue(l.CustomFields, 644675) != "Заявка с сайта" {
		t.Fatalf("the lead was not processed: %d service notes, %+v", notes, l)
	}
	// A second click in the same window is the same job: nothing runs again.
	if again := rerun(); again == job {
		var res2 workflows.WebhookResult
		h.completed(again, &res2)
		if res2.Events[0].JobID != o.JobID {
			t.Errorf("second click: %+v", res2)
		}
	}
	// A later, deliberate re-run is a job of its own; the processed lead is left as it is.
	time.Sleep(window)
	later := rerun()
	if later == job {
		t.Fatalf("a re-run after the window reused job %s", job)
	}
	var res3 workflows.WebhookResult
	h.completed(later, &res3)
	var r3 workflows.InitialLeadResult
	o3 := outcome(t, res3, &r3)
	if o3.JobID == o.JobID || r3.Changed || r3.Skipped == "" {
		t.Errorf("later re-run %s: %+v, want the processed lead skipped", o3.JobID, r3)
	}
	if n := len(serviceNotes(h.fake.Notes(retail, "leads"), id)); n != notes {
		t.Errorf("service notes %d, then %d: a processed lead was processed again", notes, n)
	}

	// 1C's notices: 200 once stored, kept sealed, read back in clear.
	sent := time.Now().Add(-time.Second)
	payment := `{"client_id_1C":"4a8e0f3c-0000-4000-8000-000000000001","sum":15000,"fio":"Иванова Мария"}`
	code, body := h.post1C("POST", "/integration/1c/paymentreceived?token="+oneCToken, "application/json", payment)
	if code != http.StatusOK || len(body) != 0 {
		t.Fatalf("paymentreceived = %d %q", code, body)
	}
	if code, _ := h.post1C("POST", "/integration/1c/courseended", "text/plain", "курс окончен"); code != http.StatusUnauthorized {
		t.Errorf("courseended without the token = %d", code)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := h.db.OneCNotices(h.ctx, time.Now().Add(-time.Hour), "paymentreceived")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			n := got[0]
			if n.BodyKey != "e2e" || bytes.Contains(n.Body, []byte("Иванова")) || n.ContentType != "application/json" || n.ReceivedAt.Before(sent) {
				t.Errorf("kept %+v: want sealed with the token key", n)
			}
			ring, err := app.ShadowRing(h.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if plain, err := ring.Open(n.BodyKey, n.Body, []byte(n.JobID)); err != nil || string(plain) != payment {
				t.Errorf("opened %q, %v", plain, err)
			}
			var st workflows.OneCNoticeResult
			h.completed(n.JobID, &st)
			if st != (workflows.OneCNoticeResult{Kind: "paymentreceived", Bytes: len(payment), Stored: true}) {
				t.Errorf("job result %+v", st)
			}
			h.recordHistory(n.JobID, "onec_notice")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notice not kept: %d rows", len(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The dashboards ported last, end to end on the example configuration:
// success_menu.php (paid leads, with the date picker) counts the leads
// that entered a payment stage or were won today, split by when they were
// created; active_leads_corp.php the corporate managers' open leads
// worked on today.
func TestLegacyDashboardsPaidAndActive(t *testing.T) {
	testrig.NeedsServers(t, "RabbitMQ, Postgres and the embedded Temporal")
	h := newHarness(t, func(c *config.Config) {
		c.Inbound.Legacy.Dashboards = config.LegacyRoute{Enabled: true}
		c.Inbound.Legacy.Wait = 20 * time.Second
	})
	ret, corp := h.cfg.Accounts["retail"], h.cfg.Accounts["corp"]
	success := h.cfg.Widgets.Dashboards["success"]
	if success.Kind != config.DashboardPaid || len(success.Pipelines) == 0 {
		t.Fatalf("the example configuration has no paid dashboard success: %+v", success)
	}
	pipe := success.Pipelines[0]
	msk := time.FixedZone("MSK", 3*60*60)
	earlier := time.Now().In(msk).AddDate(0, -2, 0)
	won := h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Сегодняшняя", PipelineID: pipe, StatusID: 32532880, Price: 10000})
	paidLater := h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Давняя", PipelineID: pipe, StatusID: 32532880, Price: 7000,
		CreatedAt: earlier.Unix()})
	lost := h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Отказ", PipelineID: pipe, StatusID: 32532880, Price: 5000})
	h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Создана оплаченной", PipelineID: pipe, StatusID: 142, Price: 3000}) // no stage change
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients["retail"].UpdateLeads(h.ctx, []amocrm.Lead{{ID: won, StatusID: 142}, {ID: paidLater, StatusID: 32533204},
		{ID: lost, StatusID: 143}}); err != nil {
		t.Fatal(err)
	}

	code, body := h.post1C("GET", "/amo/vidgets/success_menu.php?date_from=false&date_to=false", "", "")
	if code != 200 || !strings.Contains(string(body), "<form") || !strings.Contains(string(body), ">17000 руб<") {
		t.Fatalf("success_menu.php = %d %s", code, body)
	}
	var paid workflows.DashboardResult
	code, body = h.post1C("GET", "/amo/vidgets/success.php?date_from=false&date_to=false&format=json", "", "")
	if err := json.Unmarshal(body, &paid); err != nil || code != 200 || paid.Total.Won != 2 || paid.Total.Sum != 17000 || len(paid.Rows) != 3 ||
		paid.Rows[0].Sum != 10000 || paid.Rows[1].Sum != 7000 || paid.Rows[2].Name != earlier.Format("2006-01") {
		t.Errorf("success.php = %d %+v", code, paid)
	}
	today := time.Now().In(msk).Format(time.DateOnly)
	id := h.start1C(workflows.DashboardName, workflows.DashboardInput{Name: "success", From: today, To: today})
	h.completed(id, &paid)
	if paid.Total.Sum != 17000 {
		t.Errorf("paid dashboard job: %+v", paid)
	}
	h.recordHistory(id, "dashboard_paid")

	d := h.cfg.Widgets.Dashboards["active_leads_corp"]
	if d.Kind != config.DashboardActive || len(d.Users) == 0 {
		t.Fatalf("the example configuration has no active dashboard active_leads_corp: %+v", d)
	}
	manager := d.Users[0]
	h.fake.AddLead(corp.Subdomain, amofake.Lead{Name: "В работе", PipelineID: 5312269, StatusID: 47317663, ResponsibleUserID: manager})
	h.fake.AddLead(corp.Subdomain, amofake.Lead{Name: "Выиграна", PipelineID: 5312269, StatusID: 142, ResponsibleUserID: manager})
	h.fake.AddLead(corp.Subdomain, amofake.Lead{Name: "Давно не трогали", PipelineID: 5312269, StatusID: 47317663, ResponsibleUserID: manager,
		CreatedAt: earlier.Unix(), UpdatedAt: earlier.Unix()})
	var active workflows.DashboardResult
	code, body = h.post1C("GET", "/amo/vidgets/active_leads_corp.php?format=json", "", "")
	if err := json.Unmarshal(body, &active); err != nil || code != 200 || len(active.Rows) != len(d.Users) || active.Rows[0].UserID != manager ||
		active.Rows[0].Open != 1 || active.Rows[0].Counted != 2 || active.Total.Open != 1 {
		t.Errorf("active_leads_corp.php = %d %+v", code, active)
	}
	code, body = h.post1C("GET", "/amo/vidgets/active_leads_corp.php", "", "")
	if code != 200 || !strings.Contains(string(body), "в работе, из 2 обновлённых") {
		t.Errorf("active_leads_corp.php page = %d %s", code, body)
	}
	id = h.start1C(workflows.DashboardName, workflows.DashboardInput{Name: "active_leads_corp", From: today, To: today})
	h.completed(id, &active)
	h.recordHistory(id, "dashboard_active")
}
