package starter

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
		// Old hooks amoflow does not handle yet: 501, nothing stored.
		{"/wh/leadprocessor/123", "", "", wantAnswer{501, "*"}},
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
		{"not yet", "POST", "/integration/1c/paymentreceived?token=" + testOneCToken, nil, `{}`, done, wantAnswer{501, "*"}, ""},
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
