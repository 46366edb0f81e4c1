package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"amoflow/amofake"
	"amoflow/config"
	"amoflow/egrul"
	"amoflow/egrul/egrulfake"
	"amoflow/workflows"
)

const (
	widgetKey      = "e2e-widget-key"
	remoteManField = 990001 // a retail lead field the example does not ship
)

// The old PHP widgets end to end, against the fake amoCRM and the fake
// register: vidget.php fills a company's empty fields, lead.php writes the
// remote manager and starts Sensei, getLeads.php lists a contact's leads,
// a dashboard computes its figure once per range and period.
func TestLegacyWidgetsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("needs RabbitMQ, Postgres and the embedded Temporal")
	}
	register := egrulfake.New()
	regSrv := httptest.NewServer(register)
	t.Cleanup(regSrv.Close)
	var senseiCalls atomic.Int32
	var senseiLead atomic.Value
	sensei := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		senseiCalls.Add(1)
		senseiLead.Store(r.URL.Query().Get("lead_id"))
	}))
	t.Cleanup(sensei.Close)
	h := newHarness(t, func(c *config.Config) {
		l := &c.Inbound.Legacy
		l.CompanyEGRUL, l.Dashboards = config.LegacyRoute{Enabled: true}, config.LegacyRoute{Enabled: true}
		l.Widget = config.LegacyRoute{Enabled: true, Key: widgetKey}
		l.Wait = 20 * time.Second
		c.EGRUL.BaseURL = regSrv.URL + "/"
		c.Widgets.SenseiStartURL = sensei.URL + "/start/x"
		c.Accounts["retail"].LeadFields["remote_man"] = remoteManField
	})
	corp, ret := h.cfg.Accounts["corp"], h.cfg.Accounts["retail"]

	// vidget.php: the empty fields are filled, the KPP a manager typed stays.
	co := egrul.Company{INN: "7707083893", OGRN: "1027700132195", KPP: "773601001", Email: "INFO@LUTIK.example",
		ShortName: "ООО \"ЛЮТИК\"", Address: "117997, Москва, Вавилова ул 19"}
	register.Put(co)
	kpp, ogrn, addr := corp.CompanyFields["kpp"], corp.CompanyFields["ogrn"], corp.CompanyFields["address"]
	companyID := h.fake.AddCompany(corp.Subdomain, amofake.Company{Name: "Лютик", CustomFields: []amofake.FieldValue{amofake.Text(kpp, "770001001")}})
	code, body := h.post1C("POST", "/amo/webhooks/vidget.php", "application/x-www-form-urlencoded",
		url.Values{"id": {strconv.FormatInt(companyID, 10)}, "inn": {co.INN}}.Encode())
	if code != 200 || string(body) != "sucs" {
		t.Fatalf("vidget.php = %d %q, want 200 sucs", code, body)
	}
	waitFor(t, time.Minute, "the company filled from the register", func() bool {
		c, _ := h.fake.Company(corp.Subdomain, companyID)
		return amofake.FirstValue(c.CustomFields, ogrn) == co.OGRN
	})
	c, _ := h.fake.Company(corp.Subdomain, companyID)
	if c.Name != co.ShortName || amofake.FirstValue(c.CustomFields, kpp) != "770001001" || amofake.FirstValue(c.CustomFields, addr) != co.Address {
		t.Errorf("company = %+v", c)
	}
	// The same job again (recorded for the replay test) writes nothing more.
	before := h.fake.CallCount(corp.Subdomain, "PATCH /api/v4/companies")
	id := h.start1C(workflows.CompanyFromEGRULName, workflows.CompanyEGRULInput{CompanyID: companyID, INN: co.INN})
	var res workflows.CompanyEGRULResult
	h.completed(id, &res)
	if res.Status != "unchanged" || h.fake.CallCount(corp.Subdomain, "PATCH /api/v4/companies") != before {
		t.Errorf("second run: %+v", res)
	}
	h.recordHistory(id, "company_from_egrul")

	// getLeads.php: the contact's leads in the configured pipelines only.
	retailPipe, upsell := ret.Pipelines["retail"], ret.Pipelines["upsell"]
	admin := ret.Users["admin"]
	inList := h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Массаж", PipelineID: upsell, StatusID: 142, Price: 15000, ResponsibleUserID: admin,
		CustomFields: []amofake.FieldValue{amofake.Text(ret.LeadFields["course"], "Классический массаж")}})
	other := h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Вебинар", PipelineID: ret.Pipelines["free_webinars"], StatusID: 142})
	contact := h.fake.AddContact(ret.Subdomain, amofake.Contact{Name: "Клиент", LeadIDs: []int64{inList, other}})
	code, body = h.post1C("GET", "/amo/widget/getLeads.php?id="+strconv.FormatInt(contact, 10)+"&key="+widgetKey, "", "")
	var leads []workflows.WidgetLead
	if err := json.Unmarshal(body, &leads); err != nil || code != 200 || len(leads) != 1 {
		t.Fatalf("getLeads.php = %d %s", code, body)
	}
	if l := leads[0]; l.ID != inList || l.Course != "Классический массаж" || l.Price != 15000 || l.StatusName == "" || l.StatusColor == "" ||
		l.Pipeline != "upsell" || l.Resp == "" || l.RespID != admin {
		t.Errorf("lead = %+v", l)
	}
	if code, body := h.post1C("GET", "/amo/widget/getLeads.php?id=1&key=wrong", "", ""); code != 403 || string(body) != "no access" {
		t.Errorf("wrong key = %d %s", code, body)
	}
	id = h.start1C(workflows.ContactLeadsName, workflows.ContactLeadsInput{ContactID: contact})
	h.completed(id, &leads)
	h.recordHistory(id, "contact_leads")

	// lead.php: the field is written and Sensei started, once per click.
	lead := strconv.FormatInt(inList, 10)
	target := "/amo/widget/lead.php?id=" + lead + "&key=" + widgetKey + "&man=" + url.QueryEscape("Петрова")
	for range 2 {
		if code, body := h.post1C("GET", target, "", ""); code != 200 || string(body) != lead {
			t.Fatalf("lead.php = %d %q, want 200 %s", code, body, lead)
		}
	}
	if l, _ := h.fake.Lead(ret.Subdomain, inList); amofake.FirstValue(l.CustomFields, remoteManField) != "Петрова" {
		t.Errorf("remote manager = %q", amofake.FirstValue(l.CustomFields, remoteManField))
	}
	if senseiCalls.Load() != 1 || senseiLead.Load() != lead {
		t.Errorf("Sensei started %d times for %v", senseiCalls.Load(), senseiLead.Load())
	}

	// A dashboard: 2 won of 3 closed in the retail pipeline; the second
	// view of the same range reads nothing from amoCRM.
	for _, st := range []int64{142, 142, 143} {
		h.fake.AddLead(ret.Subdomain, amofake.Lead{Name: "Сделка", PipelineID: retailPipe, StatusID: st, Price: 9000})
	}
	h.fake.ResetCalls()
	page := "/amo/vidgets/konversion_retail.php?date_from=false&date_to=false"
	code, body = h.post1C("GET", page, "", "")
	if code != 200 || !strings.Contains(string(body), ">66.7%<") || !strings.Contains(string(body), ">2/3<") {
		t.Fatalf("dashboard = %d %s", code, body)
	}
	reads := h.fake.CallCount(ret.Subdomain, "GET /api/v4/leads")
	if code, again := h.post1C("GET", page, "", ""); code != 200 || string(again) != string(body) ||
		h.fake.CallCount(ret.Subdomain, "GET /api/v4/leads") != reads || reads == 0 {
		t.Errorf("second view = %d, %d reads then %d", code, reads, h.fake.CallCount(ret.Subdomain, "GET /api/v4/leads"))
	}
	today := time.Now().In(time.FixedZone("MSK", 3*60*60)).Format(time.DateOnly)
	id = h.start1C(workflows.DashboardName, workflows.DashboardInput{Name: "konv_ret_all", From: today, To: today})
	var dash workflows.DashboardResult
	h.completed(id, &dash)
	if dash.Total.Counted != 0 || len(dash.Rows) != 7 {
		t.Errorf("per-manager dashboard over leads of no listed manager: %+v", dash)
	}
	h.recordHistory(id, "dashboard")
}
