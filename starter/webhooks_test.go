package starter

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"amoflow/mq"
	"amoflow/workflows"
)

const hookToken = "hook-secret-123"

func newHookEnv(t *testing.T) *env {
	cfg := testConfig()
	cfg.Inbound.WebhookToken = hookToken
	return newEnv(t, cfg)
}

const threeLeads = "leads[status][0][id]=101&leads[status][0][status_id]=35942104&leads[status][0][old_status_id]=32532883" +
	"&leads[status][1][id]=102&leads[status][1][status_id]=35942104&leads[status][1][old_status_id]=32532883" +
	"&leads[status][2][id]=103&leads[status][2][status_id]=35942104&leads[status][2][old_status_id]=32532880&account[id]=1&account[subdomain]=r"

func (e *env) hook(path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestWebhookStoresOneMessagePerDelivery(t *testing.T) {
	e := newHookEnv(t)
	rec := e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded; charset=UTF-8", threeLeads)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status = %d %s", rec.Code, rec.Body)
	}
	var ans webhookAccepted
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	msgs := e.pub.published()
	if len(msgs) != 1 {
		t.Fatalf("published %d messages", len(msgs))
	}
	m := msgs[0]
	if m.ID != ans.JobID || m.Kind != mq.KindWebhook || m.Account != "retail" || !strings.HasPrefix(ans.StatusURL, "https://in.example.test/v1/jobs/"+ans.JobID+"/") {
		t.Fatalf("message %+v, answer %+v", m, ans)
	}
	var in workflows.WebhookInput
	if err := json.Unmarshal(m.Body, &in); err != nil {
		t.Fatal(err)
	}
	if in.JobID != m.ID || in.Method != "ret2corp" || len(in.Events) != 3 || len(ans.EventJobIDs) != 3 || in.Events[2].ID != 103 || in.Events[2].JobID != ans.EventJobIDs[2] {
		t.Fatalf("input = %+v", in)
	}
	if !strings.HasPrefix(in.Events[0].JobID, "wh-retail-ret2corp-lead101-st35942104-from32532883-win") {
		t.Fatalf("event job id = %s", in.Events[0].JobID)
	}

	// The same delivery again, a minute later: the same job.
	e.now = e.now.Add(time.Minute)
	again := e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded", threeLeads)
	var ans2 webhookAccepted
	if err := json.Unmarshal(again.Body.Bytes(), &ans2); err != nil {
		t.Fatal(err)
	}
	if again.Code != http.StatusAccepted || ans2.JobID != ans.JobID {
		t.Fatalf("redelivery: %d %s, first job %s", again.Code, again.Body, ans.JobID)
	}
	if strings.Contains(e.log.String(), hookToken) {
		t.Fatal("the token was logged")
	}
}

func TestWebhookRejections(t *testing.T) {
	e := newHookEnv(t)
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"no token", "/v1/amo/webhooks/ret2corp", form, threeLeads, 401},
		{"bad token", "/v1/amo/webhooks/ret2corp?token=nope", form, threeLeads, 401},
		{"bad token, unknown method", "/v1/amo/webhooks/nope?token=nope", form, threeLeads, 401},
		{"unknown method", "/v1/amo/webhooks/deleteroms?token=" + hookToken, form, threeLeads, 404},
		{"unknown account", "/v1/amo/webhooks/ret2corp?token=" + hookToken, form, "leads[status][0][id]=1&account[id]=999", 403},
		{"unknown subdomain", "/v1/amo/webhooks/ret2corp?token=" + hookToken, form, "leads[status][0][id]=1&account[subdomain]=evil", 403},
		{"other account's method", "/v1/amo/webhooks/corp2ret?token=" + hookToken, form, threeLeads, 403},
		{"savecompany from the retail account", "/v1/amo/webhooks/savecompany?token=" + hookToken, form, "leads[status][0][id]=1&account[id]=1", 403},
		{"JSON", "/v1/amo/webhooks/ret2corp?token=" + hookToken, "application/json", `{"leads":{}}`, 415},
		{"bad id", "/v1/amo/webhooks/ret2corp?token=" + hookToken, form, "leads[status][0][id]=x&account[id]=1", 400},
		{"change_resp without uid", "/v1/amo/webhooks/change_resp?token=" + hookToken, form, "id=5&resp=x", 400},
		{"ppie without accounts.ppie", "/v1/amo/webhooks/ppie?token=" + hookToken, form, "leads[add][0][id]=5", 404},
		{"retailpaid without phone and email", "/v1/amo/webhooks/retailpaid?token=" + hookToken, form, "phone=undefined&email=&price=5", 400},
		{"too large", "/v1/amo/webhooks/ret2corp?token=" + hookToken, form, "leads[status][0][id]=1&x=" + strings.Repeat("a", 70<<10), 413},
		{"legacy route off", "/amo/webhooks/?ret2corp", form, threeLeads, 404},
		{"GET", "/v1/amo/webhooks/ret2corp?token=" + hookToken, form, "", 405},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
		if c.name == "GET" {
			req.Method = http.MethodGet
		}
		req.Header.Set("Content-Type", c.ctype)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); c.want != 405 && ct != "application/problem+json" {
			t.Errorf("%s: content type %q, want problem JSON", c.name, ct)
		}
	}
	if n := len(e.pub.published()); n != 0 {
		t.Fatalf("%d messages stored for rejected webhooks", n)
	}

	// Without a configured token the route refuses everything and says why in the log.
	cfg := testConfig()
	noToken := newEnv(t, cfg)
	if rec := noToken.hook("/v1/amo/webhooks/ret2corp?token=", form, threeLeads); rec.Code != 401 {
		t.Fatalf("no token configured: %d", rec.Code)
	}
	if !strings.Contains(noToken.log.String(), "webhook_token is not configured") {
		t.Fatalf("log = %s", noToken.log)
	}
}

func TestWebhookWithoutEventsOrAccount(t *testing.T) {
	e := newHookEnv(t)
	rec := e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded", "contacts[update][0][id]=5&account[id]=1")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ignored":true`) || len(e.pub.published()) != 0 {
		t.Fatalf("a delivery without leads: %d %s", rec.Code, rec.Body)
	}
	// change_resp is a flat form without account[…]: the method's account.
	rec = e.hook("/v1/amo/webhooks/change_resp?token="+hookToken, "application/x-www-form-urlencoded", "id=31234567&uid=5bba&resp=Petrova")
	if rec.Code != http.StatusAccepted || e.pub.published()[0].Account != "retail" {
		t.Fatalf("change_resp: %d %s", rec.Code, rec.Body)
	}
}

func TestLegacyWebhookRoute(t *testing.T) {
	cfg := testConfig()
	cfg.Inbound.LegacyWebhooks.Enabled = true
	cfg.Inbound.LegacyWebhooks.AllowFrom = []string{"192.0.2.0/24", "2001:db8::1"}
	e := newEnv(t, cfg)
	post := func(remote, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(threeLeads))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("192.0.2.7:5000", "/amo/webhooks/?ret2corp"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("allowed legacy hook: %d %q, want 200 empty", rec.Code, rec.Body)
	}
	if rec := post("[2001:db8::1]:5000", "/amo/webhooks/?ret2corp"); rec.Code != http.StatusOK {
		t.Fatalf("allowed IPv6 address: %d", rec.Code)
	}
	if rec := post("198.51.100.1:5000", "/amo/webhooks/?ret2corp"); rec.Code != http.StatusForbidden {
		t.Fatalf("other address: %d, want 403", rec.Code)
	}
	if rec := post("192.0.2.7:5000", "/amo/webhooks/?nope"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown legacy method: %d", rec.Code)
	}
	msgs := e.pub.published()
	if len(msgs) != 2 || msgs[0].ID != msgs[1].ID {
		t.Fatalf("messages = %d (the same delivery twice is one job)", len(msgs))
	}
}

func TestWebhookNotStored(t *testing.T) {
	e := newHookEnv(t)
	e.pub.err = errors.New("broker down")
	rec := e.hook("/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded", threeLeads)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d", rec.Code)
	}
}
