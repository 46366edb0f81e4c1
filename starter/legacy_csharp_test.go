package starter

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/workflows"
)

func TestLegacySiteFormsCSharp(t *testing.T) {
	form := url.Values{"name": {"Мария"}, "phone": {"8 (916) 123-45-67"}, "email": {"maria@example.ru"}, "amo": {"retail"}}.Encode()
	for _, tc := range []struct {
		path, ctype string
		want        wantAnswer
		account     string
	}{
		{"/siteform/retail", typeURLEncoded, wantAnswer{200, ""}, "retail"},
		{"/siteform/corp", typeURLEncoded + "; charset=UTF-8", wantAnswer{200, ""}, "corp"}, // the path wins over amo=
		{"/siteform/retail", typeJSON, wantAnswer{400, "*"}, ""},
		{"/siteform/corp", typeURLEncoded, wantAnswer{200, ""}, "corp"},
	} {
		e := legacyEnv(t, nil)
		rec := e.send("POST", tc.path, tc.ctype, form)
		checkAnswer(t, tc.path+" "+tc.ctype, rec, tc.want)
		msgs := e.pub.published()
		if tc.account == "" {
			if len(msgs) != 0 {
				t.Errorf("%s: stored a refused form", tc.path)
			}
			continue
		}
		var in workflows.FormInput
		if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &in) != nil || in.Account != tc.account || in.Fields["name"] != "Мария" {
			t.Errorf("%s: stored %v", tc.path, msgs)
		}
		if rec.Header().Get("Location") != "" {
			t.Errorf("%s: a Location header on the old 200", tc.path)
		}
	}
	e := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.SiteForms.Enabled = false })
	checkAnswer(t, "disabled", e.send("POST", "/siteform/retail", typeURLEncoded, form), wantAnswer{404, "*"})
}

func TestLegacyHookPathsCSharp(t *testing.T) {
	retailStatus := "leads[status][0][id]=101&leads[status][0][status_id]=35942104&leads[status][0][old_status_id]=32532883&account[id]=1&account[subdomain]=r"
	corpStatus := strings.ReplaceAll(retailStatus, "account[id]=1&account[subdomain]=r", "account[id]=2&account[subdomain]=c")
	for _, tc := range []struct {
		path, body, method string // method: the webhook method stored, "" for none
		want               wantAnswer
	}{
		{"/wh/ret2corp/send", retailStatus, "ret2corp", wantAnswer{200, ""}},
		{"/webhook/ret2corp/send", retailStatus, "ret2corp", wantAnswer{200, ""}},
		{"/wh/ret2corp/success", corpStatus, "corp2ret", wantAnswer{200, ""}},
		{"/wh/ret2corp/fail", corpStatus, "corp2ret_fail", wantAnswer{200, ""}},
		{"/wh/corp2agr/send", corpStatus, "corp2agr", wantAnswer{200, ""}},
		{"/webhook/corp2agr/back", corpStatus, "agr2corp", wantAnswer{200, ""}},
		{"/wh/processevents", retailStatus, "processevents", wantAnswer{200, ""}},
		{"/wh/corp2ret/send", corpStatus, "corp2retail", wantAnswer{200, ""}},
		{"/webhook/corp2ret/success", retailStatus, "corp2retail_success", wantAnswer{200, ""}},
		{"/wh/corp2ret/fail", retailStatus, "corp2retail_fail", wantAnswer{200, ""}},
		{"/wh/createlk", retailStatus, "createlk", wantAnswer{200, ""}},
		{"/wh/checkwebinaradmission", retailStatus, "webinar_admission", wantAnswer{200, ""}},
		{"/wh/ppie", "leads[add][0][id]=5&account[id]=3", "", wantAnswer{404, "*"}}, // no accounts.ppie here
		{"/integration/1c/savelead", retailStatus, "savelead", wantAnswer{200, ""}},
		{"/integration/1c/savelead", corpStatus, "physics_corp", wantAnswer{200, ""}},
		// Guarded like the legacy webhook route.
		{"/wh/ret2corp/send", corpStatus, "", wantAnswer{403, "*"}},
		{"/wh/ret2corp/send", "leads[status][0][id]=101&leads[status][0][status_id]=1", "", wantAnswer{400, "*"}},
		// The old check of the lead id.
		{"/wh/ret2corp/send", "account[id]=1", "", wantAnswer{400, "Incorrect lead number"}},
		{"/wh/ret2corp/send", "leads[add][0][id]=0&account[id]=1", "", wantAnswer{400, "Incorrect lead number"}},
		{"/wh/ret2corp/send", "leads[status][0][id]=abc&account[id]=1", "", wantAnswer{400, "Incorrect lead number."}},
		{"/wh/processevents", "leads[add][0][id]=7&account[id]=1", "processevents", wantAnswer{200, ""}},
		{"/integration/1c/savelead", "account[id]=2", "", wantAnswer{400, "Incorrect lead number"}},
		// The initial processing and the course hooks.
		{"/wh/leadprocessor", "leads[add][0][id]=101&leads[add][0][pipeline_id]=3198184&account[id]=1", "initial_lead", wantAnswer{200, ""}},
		{"/wh/ret/setcourse", retailStatus, "setcourse", wantAnswer{200, ""}},
		{"/webhook/capitalizecourse", retailStatus, "capitalizecourse", wantAnswer{200, ""}},
		// The guard and payment hooks, with the old checks of their bodies.
		{"/wh/ret/respchange", "leads[responsible][0][id]=7&leads[responsible][0][old_responsible_user_id]=5&leads[responsible][0][modified_user_id]=6&account[id]=1", "respchange", wantAnswer{200, ""}},
		{"/wh/ret/respchange", "contacts[update][0][id]=7&contacts[update][0][old_responsible_user_id]=5&contacts[update][0][modified_user_id]=6&account[id]=1", "respchange", wantAnswer{200, ""}},
		{"/wh/ret/respchange", "leads[responsible][0][id]=7&account[id]=1", "", wantAnswer{400, "Incorrect request."}},
		{"/wh/corp/checkdouble", "contacts[update][0][id]=9&contacts[update][0][type]=company&account[id]=2", "checkdouble", wantAnswer{200, ""}},
		{"/wh/corp/checkdouble", "account[id]=2", "", wantAnswer{400, "Unexpected request."}},
		{"/webhook/retailpaid", "phone=89161234567&email=a@b.c&price=1", "retailpaid", wantAnswer{200, ""}},
		{"/wh/conferencepaid", "phone=89161234567&email=", "conferencepaid", wantAnswer{200, ""}},
		{"/wh/retailpaid", "phone=89161234567&email=a@b.c", "", wantAnswer{400, "Bad Request"}},
		{"/wh/retailpaid", "phone=1&email=x&price=1", "", wantAnswer{400, "*"}}, // nobody to find
		// Explicit client and company transfers: the method of the account that sent the hook.
		{"/integration/1c/saveclient", retailStatus, "saveclient", wantAnswer{200, ""}},
		{"/integration/1c/saveclient", corpStatus, "saveclient_corp", wantAnswer{200, ""}},
		{"/integration/1c/savecompany", corpStatus, "savecompany", wantAnswer{200, ""}},
		{"/integration/1c/savecompany", retailStatus, "", wantAnswer{400, "Unexpected request."}},
		{"/integration/1c/saveclient", "leads[status][0][id]=101", "", wantAnswer{400, "Incorrect account number."}},
		{"/integration/1c/savecompany", "leads[status][0][id]=101&account[id]=x", "", wantAnswer{400, "Incorrect account number."}},
		{"/integration/1c/saveclient", "account[id]=1", "", wantAnswer{400, "Incorrect lead number"}},
		{"/integration/1c/savecompany", "leads[status][0][id]=abc&account[id]=2", "", wantAnswer{400, "Incorrect lead number."}},
		{"/integration/1c/saveclient", "leads[status][0][id]=101&account[id]=99", "", wantAnswer{403, "*"}}, // an account not configured
		// amoCRM edits to 1C: the method of the account that sent the hook.
		{"/integration/1c/updatelead", "leads[update][0][id]=101&leads[update][0][updated_at]=1700000000&account[id]=1&account[subdomain]=r", "updatelead", wantAnswer{200, ""}},
		{"/integration/1c/updatelead", "leads[update][0][id]=101&leads[update][0][updated_at]=1700000000&account[id]=2&account[subdomain]=c", "updatelead_corp", wantAnswer{200, ""}},
		{"/integration/1c/updateclient", "contacts[update][0][id]=7&contacts[update][0][type]=contact&contacts[update][0][updated_at]=1700000000&account[id]=1", "updateclient", wantAnswer{200, ""}},
		{"/integration/1c/updatecompany", "contacts[update][0][id]=9&contacts[update][0][type]=company&contacts[update][0][updated_at]=1700000000&account[id]=2", "updatecompany", wantAnswer{200, ""}},
		{"/integration/1c/updatecompany", "contacts[update][0][id]=9&contacts[update][0][type]=company&account[id]=1", "", wantAnswer{400, "Unexpected request."}},
		{"/wh/no-such-hook", retailStatus, "", wantAnswer{404, "*"}},
	} {
		e := legacyEnv(t, nil)
		rec := e.send("POST", tc.path, typeURLEncoded, tc.body)
		checkAnswer(t, tc.path+" "+tc.method, rec, tc.want)
		msgs := e.pub.published()
		if tc.method == "" {
			if len(msgs) != 0 {
				t.Errorf("%s: stored %d messages", tc.path, len(msgs))
			}
			continue
		}
		var in workflows.WebhookInput
		if len(msgs) != 1 || json.Unmarshal(msgs[0].Body, &in) != nil || in.Method != tc.method {
			t.Errorf("%s: stored %v, want method %s", tc.path, msgs, tc.method)
		}
	}
	// From an address outside inbound.legacy_webhooks.allow_from.
	e2 := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.LegacyWebhooks.AllowFrom = []string{"198.51.100.0/24"} })
	if rec := e2.send("POST", "/wh/ret2corp/send", typeURLEncoded, retailStatus); rec.Code != http.StatusForbidden || len(e2.pub.published()) != 0 {
		t.Errorf("outside the allow-list: %d", rec.Code)
	}
	e3 := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.Hooks.Enabled = false })
	if rec := e3.send("POST", "/wh/ret2corp/send", typeURLEncoded, retailStatus); rec.Code != http.StatusNotFound {
		t.Errorf("disabled: %d", rec.Code)
	}
}

func TestLegacyIntegration1CCSharp(t *testing.T) {
	done := fakeJobs{status: "completed", result: `{"amo_ids":[{"account_id":1,"entity_id":5}]}`}
	ids := `[{"account_id":1,"entity_id":5}]`
	for _, tc := range []struct {
		name, method, path string
		header             []string
		body               string
		jobs               Jobs
		want               wantAnswer
		flow               string
	}{
		{"client, header token", "POST", "/integration/1c/client", []string{onecTokenHeader, testOneCToken}, clientJSON, done, wantAnswer{200, ids}, workflows.ClientFrom1CName},
		{"client, old parameter", "PATCH", "/integration/1c/client?token=" + testOneCToken, nil, clientJSON, done, wantAnswer{200, ids}, workflows.ClientFrom1CName},
		{"lead", "POST", "/integration/1c/lead?token=" + testOneCToken, nil, orderJSON, done, wantAnswer{200, ids}, workflows.OrderFrom1CName},
		{"no amo_ids", "PATCH", "/integration/1c/lead?token=" + testOneCToken, nil, orderJSON, fakeJobs{status: "completed", result: `{}`}, wantAnswer{200, "[]"}, workflows.OrderFrom1CName},
		{"failed", "POST", "/integration/1c/client?token=" + testOneCToken, nil, clientJSON, fakeJobs{status: "failed"}, wantAnswer{500, "error"}, workflows.ClientFrom1CName},
		{"no token", "POST", "/integration/1c/client", nil, clientJSON, done, wantAnswer{401, "*"}, ""},
		{"wrong token", "POST", "/integration/1c/client?token=nope", nil, clientJSON, done, wantAnswer{401, "*"}, ""},
		{"invalid", "POST", "/integration/1c/client?token=" + testOneCToken, nil, `{"name":"x"}`, done, wantAnswer{400, "*"}, ""},
	} {
		e := legacyEnv(t, tc.jobs)
		rec := e.send(tc.method, tc.path, typeJSON, tc.body, tc.header...)
		checkAnswer(t, tc.name, rec, tc.want)
		msgs := e.pub.published()
		if (tc.flow == "") != (len(msgs) == 0) || (tc.flow != "" && !strings.Contains(string(msgs[0].Body), `"`+tc.flow+`"`)) {
			t.Errorf("%s: stored %v, want flow %q", tc.name, msgs, tc.flow)
		}
	}
}

func TestLegacyOneCNoticesCSharp(t *testing.T) {
	payment := `{"client_id_1C":"4a8e0f3c-0000-4000-8000-000000000001","sum":15000,"fio":"Иванова Мария"}`
	for _, tc := range []struct {
		name, method, path, ctype, body string
		header                          []string
		want                            wantAnswer
		kind                            string // the notice stored, "" for none
	}{
		{"payment, old parameter", "POST", "/integration/1c/paymentreceived?token=" + testOneCToken, typeJSON, payment, nil, wantAnswer{200, ""}, "paymentreceived"},
		{"course ended, header token", "POST", "/integration/1c/courseended", "text/plain", "any text 1C sends", []string{onecTokenHeader, testOneCToken}, wantAnswer{200, ""}, "courseended"},
		{"empty body", "POST", "/integration/1c/courseended?token=" + testOneCToken, "", "", nil, wantAnswer{200, ""}, "courseended"},
		{"binary body", "POST", "/integration/1c/courseended?token=" + testOneCToken, "application/octet-stream", "\x00\xff\xfe", nil, wantAnswer{200, ""}, "courseended"},
		{"no token", "POST", "/integration/1c/paymentreceived", typeJSON, payment, nil, wantAnswer{401, "*"}, ""},
		{"wrong token", "POST", "/integration/1c/paymentreceived?token=nope", typeJSON, payment, nil, wantAnswer{401, "*"}, ""},
		{"GET", "GET", "/integration/1c/paymentreceived?token=" + testOneCToken, "", "", nil, wantAnswer{405, "*"}, ""},
		{"too large", "POST", "/integration/1c/paymentreceived?token=" + testOneCToken, typeJSON, strings.Repeat("x", 64<<10+1), nil, wantAnswer{413, "*"}, ""},
	} {
		e := legacyEnv(t, nil)
		rec := e.send(tc.method, tc.path, tc.ctype, tc.body, tc.header...)
		checkAnswer(t, tc.name, rec, tc.want)
		checkNoticeStored(t, tc.name, e, tc.kind, tc.ctype, tc.body)
	}
	// Not stored, not 200: the broker did not confirm.
	e := legacyEnv(t, nil)
	e.pub.err = errors.New("broker down")
	if rec := e.send("POST", "/integration/1c/paymentreceived?token="+testOneCToken, typeJSON, payment); rec.Code < 500 {
		t.Errorf("unconfirmed: %d", rec.Code)
	}
	// The same body twice within the dedup window is one job; another body another.
	e = legacyEnv(t, nil)
	e.send("POST", "/integration/1c/paymentreceived?token="+testOneCToken, typeJSON, payment)
	e.send("POST", "/integration/1c/paymentreceived?token="+testOneCToken, typeJSON, payment)
	e.send("POST", "/integration/1c/paymentreceived?token="+testOneCToken, typeJSON, strings.Replace(payment, "15000", "16000", 1))
	if m := e.pub.published(); len(m) != 3 || m[0].ID != m[1].ID || m[0].ID == m[2].ID {
		t.Errorf("job ids: %v", m)
	}
	// The group off: 404.
	e = legacyEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.OneC.Enabled = false })
	checkAnswer(t, "disabled", e.send("POST", "/integration/1c/courseended?token="+testOneCToken, typeJSON, "{}"), wantAnswer{404, "*"})
}

func TestLegacyLeadRerunCSharp(t *testing.T) {
	e := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.DedupWindow = 10 * time.Minute })
	var ids []string
	for _, path := range []string{"/wh/leadprocessor/31234567", "/webhook/leadprocessor/31234567"} {
		checkAnswer(t, path, e.send("GET", path, "", ""), wantAnswer{200, ""})
		msgs := e.pub.published()
		var in workflows.WebhookInput
		if json.Unmarshal(msgs[len(msgs)-1].Body, &in) != nil || in.Method != "initial_lead" || in.Account != "retail" || len(in.Events) != 1 ||
			in.Events[0].ID != 31234567 || in.Events[0].Entity != "leads" || in.JobID != msgs[len(msgs)-1].ID {
			t.Fatalf("%s: stored %+v", path, in)
		}
		if ev := in.Events[0].JobID; ev == workflows.LeadEventJobID("retail", "initial_lead", 31234567) || !strings.Contains(ev, "-rerun-") {
			t.Errorf("%s: event job %s, want a re-run of its own", path, ev)
		}
		ids = append(ids, in.JobID)
	}
	if ids[0] != ids[1] {
		t.Errorf("two clicks within the dedup window: jobs %v", ids)
	}
	e.now = e.now.Add(10 * time.Minute)
	e.send("GET", "/wh/leadprocessor/31234567", "", "")
	if msgs := e.pub.published(); len(msgs) != 3 || msgs[2].ID == ids[0] {
		t.Errorf("a later re-run: %v", msgs)
	}
	for _, tc := range []struct {
		method, path string
		want         wantAnswer
	}{
		{"GET", "/wh/leadprocessor/abc", wantAnswer{400, "Incorrect lead number."}},
		{"GET", "/wh/leadprocessor/0", wantAnswer{400, "Incorrect lead number."}},
		{"GET", "/wh/leadprocessor/-5", wantAnswer{400, "Incorrect lead number."}},
		{"POST", "/wh/leadprocessor/5", wantAnswer{405, "*"}},
	} {
		e := legacyEnv(t, nil)
		checkAnswer(t, tc.method+" "+tc.path, e.send(tc.method, tc.path, "", ""), tc.want)
		if n := len(e.pub.published()); n != 0 {
			t.Errorf("%s: stored %d", tc.path, n)
		}
	}
	e2 := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.LegacyWebhooks.AllowFrom = []string{"198.51.100.0/24"} })
	checkAnswer(t, "outside the allow-list", e2.send("GET", "/wh/leadprocessor/5", "", ""), wantAnswer{403, "*"})
	e3 := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.Legacy.Hooks.Enabled = false })
	checkAnswer(t, "group off", e3.send("GET", "/wh/leadprocessor/5", "", ""), wantAnswer{404, "*"})
	e4 := legacyEnv(t, nil, func(c *config.Config) { c.Inbound.LegacyWebhooks.Enabled = false })
	checkAnswer(t, "legacy webhooks off", e4.send("GET", "/wh/leadprocessor/5", "", ""), wantAnswer{404, "*"})
	e5 := legacyEnv(t, nil)
	e5.pub.err = errors.New("broker down")
	if rec := e5.send("GET", "/wh/leadprocessor/5", "", ""); rec.Code < 500 {
		t.Errorf("unconfirmed: %d", rec.Code)
	}
}
