package starter

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"amoflow/config"
	"amoflow/egrul"
	"amoflow/onec"
	"amoflow/secret"
	"amoflow/workflows"
)

// The old PHP widgets managers use inside amoCRM (see legacy.go and README
// "Migrating from the old URLs"). Their amoCRM reads and writes are jobs
// like any other, run on the account's rate-limited queue: this process
// never calls amoCRM. The reads wait for their job (inbound.legacy.wait)
// and reuse a finished one: a contact's leads for a minute, a dashboard
// for widgets.dashboard_ttl.

// legacyWidgetRoutes adds them.
func (s *server) legacyWidgetRoutes(r *mux.Router) {
	s.handle(r, "/amo/webhooks/vidget.php", http.HandlerFunc(s.legacyCompanyEGRUL)).Methods(http.MethodPost)
	s.handle(r, "/amo/widget/lead.php", s.widgetCORS().wrap(http.HandlerFunc(s.legacyRemoteManager))).Methods(http.MethodGet, http.MethodOptions)
	s.handle(r, "/amo/widget/getLeads.php", s.widgetCORS().wrap(http.HandlerFunc(s.legacyContactLeads))).Methods(http.MethodGet, http.MethodOptions)
	s.handle(r, "/amo/vidgets/{name}.php", http.HandlerFunc(s.legacyDashboard)).Methods(http.MethodGet, http.MethodPost)
	s.legacyLeadsPHPRoute(r)
}

// serverKeyed are the jobs whose Idempotency-Key the starter makes itself
// (one job per period), so it is not bound to a body (onecPublish).
var serverKeyed = map[string]bool{"managers": true, "contact-leads": true, "dashboard": true, "lead-tasks": true}

// widgetCORS lets the amoCRM pages of the configured accounts call the
// widget URLs from the browser (the old ones allowed every origin).
func (s *server) widgetCORS() cors {
	var origins []string
	for _, name := range s.cfg.AccountNames() {
		sub := s.cfg.Accounts[name].Subdomain
		for _, domain := range []string{"amocrm.ru", "amocrm.com", "kommo.com"} {
			origins = append(origins, "https://"+sub+"."+domain)
		}
	}
	c := newCORS(origins)
	c.methods = "GET"
	return c
}

// legacyCompanyEGRUL is the company card's POST /amo/webhooks/vidget.php:
// id (a company of widgets.company_account) and inn, as a form or JSON.
// It answers 200 "sucs" once the job is stored, as before (the old one
// answered before it did anything); the company is filled by
// CompanyFromEGRUL. An id that is not a number or an INN that is not 10 or
// 12 digits is not stored: 400 "error".
func (s *server) legacyCompanyEGRUL(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.CompanyEGRUL) {
		return
	}
	raw, p := onecBody(r)
	if p != nil {
		s.reject(w, r, p)
		return
	}
	var in struct {
		ID  onec.ID         `json:"id"`
		INN json.RawMessage `json:"inn"` // a string, or a number from a JSON caller
	}
	_ = json.Unmarshal(raw, &in) // validated below: a bad id or INN answers 400
	inn := string(in.INN)
	_ = json.Unmarshal(in.INN, &inn) // a number stays as its digits
	input := workflows.CompanyEGRULInput{CompanyID: in.ID.Int(), INN: strings.TrimSpace(inn)}
	if input.CompanyID <= 0 || !egrul.ValidINN(input.INN) {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", "id or inn missing or malformed")
		writeText(w, http.StatusBadRequest, "error")
		return
	}
	job := onecJob{slug: "company-egrul", flow: workflows.CompanyFromEGRULName}
	if _, ok := s.onecPublish(w, r, job, input, s.cfg.Widgets.CompanyAccount); ok {
		writeText(w, http.StatusOK, "sucs")
	}
}

// widgetKey checks the widgets' ?key= and ?id= as the old scripts did: a
// wrong key or no id answers "no access" (now with 403, was 200).
func (s *server) widgetKey(w http.ResponseWriter, r *http.Request) (int64, bool) {
	q := r.URL.Query()
	if !secret.Equal(q.Get("key"), s.cfg.Inbound.Legacy.Widget.Key) || !q.Has("id") {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusForbidden, "detail", "bad key or no id")
		writeText(w, http.StatusForbidden, "no access")
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSpace(q.Get("id")), 10, 64)
	if err != nil || id <= 0 {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", "id is not a number")
		writeText(w, http.StatusBadRequest, "error")
		return 0, false
	}
	return id, true
}

// legacyRemoteManager is the lead card's GET /amo/widget/lead.php?id&key&man:
// the lead's remote manager becomes man and Sensei's process starts
// (RemoteManager). It answers 200 with the lead id as text once done, as
// before; 500 "error" when the flow failed. Without
// accounts.{widgets.leads_account}.lead_fields.remote_man nothing is stored
// (503 problem).
func (s *server) legacyRemoteManager(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Widget) {
		return
	}
	id, ok := s.widgetKey(w, r)
	if !ok {
		return
	}
	man := strings.TrimSpace(r.URL.Query().Get("man"))
	if man == "" || len(man) > 256 {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", "man missing or too long")
		writeText(w, http.StatusBadRequest, "error")
		return
	}
	account := s.cfg.Widgets.LeadsAccount
	if a, ok := s.cfg.Account(account); !ok || a.LeadFields["remote_man"] == 0 {
		s.reject(w, r, &problem{Type: problemType + "not-configured", Title: "Not configured", Status: http.StatusServiceUnavailable,
			Detail: "accounts." + account + ".lead_fields.remote_man is not configured; nothing was stored"})
		return
	}
	input := workflows.RemoteManagerInput{LeadID: id, Manager: man}
	s.legacyRun(w, r, onecJob{slug: "remote-manager", flow: workflows.RemoteManagerName}, input, account, new(workflows.RemoteManagerResult),
		func() { writeText(w, http.StatusOK, strconv.FormatInt(id, 10)) },
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}

// legacyContactLeads is the contact card's GET /amo/widget/getLeads.php?id&key:
// the contact's leads in widgets.leads_pipelines as the old JSON list
// [{id,name,course,price,status,sname,scolor,pipe,resp,resp_id}]
// (ContactLeads); 500 "error" when the read failed. One job per contact
// and minute serves every caller.
func (s *server) legacyContactLeads(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Widget) {
		return
	}
	id, ok := s.widgetKey(w, r)
	if !ok {
		return
	}
	r.Header.Set(idempotencyHeader, workflows.ContactLeadsKey(id, s.now()))
	var res json.RawMessage
	s.legacyRun(w, r, onecJob{slug: "contact-leads", flow: workflows.ContactLeadsName}, workflows.ContactLeadsInput{ContactID: id},
		s.cfg.Widgets.LeadsAccount, &res,
		func() {
			w.Header().Set("Content-Type", "application/json")
			w.Write(res)
		},
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}

// dashboardMaxDays bounds a dashboard's range.
const dashboardMaxDays = 366

// dashboardDates reads date_from and date_to (YYYY-MM-DD; absent, empty or
// "false" — what the old widgets sent for "none" — mean the first day of
// the month and today, in Moscow). Only dates that parse reach a job id.
func dashboardDates(r *http.Request, now time.Time) (string, string, bool) {
	msk := time.FixedZone("MSK", 3*60*60)
	today := now.In(msk)
	def := map[string]time.Time{"date_from": time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, msk), "date_to": today}
	var out [2]time.Time
	for i, key := range []string{"date_from", "date_to"} {
		v := strings.TrimSpace(r.FormValue(key))
		if v == "" || v == "false" {
			out[i] = def[key]
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, msk)
		if err != nil {
			return "", "", false
		}
		out[i] = t
	}
	ok := !out[1].Before(out[0]) && out[1].Sub(out[0]) <= dashboardMaxDays*24*time.Hour
	return out[0].Format(time.DateOnly), out[1].Format(time.DateOnly), ok
}

// legacyDashboard is GET (or POST) /amo/vidgets/{name}.php?date_from&date_to[&refresh]:
// the dashboard widgets.dashboards.{name} as an HTML page (JSON with
// ?format=json or Accept: application/json). /amo/vidgets/{name}_menu.php
// is the same page with a date picker above it (the old success_menu.php
// and konv_ret_all_new_menu.php), sharing its jobs. The figures of one
// range are one job per widgets.dashboard_ttl; refresh=1 (the picker's
// checkbox: refresh=on) computes them again (at most once a minute). An
// unknown name is 404, dates that do not parse or a range over a year 400.
func (s *server) legacyDashboard(w http.ResponseWriter, r *http.Request) {
	if !s.legacyOpen(w, r, s.cfg.Inbound.Legacy.Dashboards) {
		return
	}
	name := mux.Vars(r)["name"]
	d, ok := s.cfg.Widgets.Dashboards[name]
	menu := false
	if base, isMenu := config.DashboardMenu(name); !ok && isMenu {
		name, menu = base, true
		d, ok = s.cfg.Widgets.Dashboards[name]
	}
	if !ok {
		notFound(w, r)
		return
	}
	from, to, ok := dashboardDates(r, s.now())
	if !ok {
		s.reject(w, r, invalidField("date_from", "date_from and date_to are YYYY-MM-DD, date_from first, at most a year apart"))
		return
	}
	refresh := r.FormValue("refresh")
	r.Header.Set(idempotencyHeader, workflows.DashboardKey(name, from, to, s.now(), s.cfg.Widgets.DashboardTTL,
		refresh != "" && refresh != "false" && refresh != "0"))
	var res workflows.DashboardResult
	s.legacyRun(w, r, onecJob{slug: "dashboard", flow: workflows.DashboardName}, workflows.DashboardInput{Name: name, From: from, To: to},
		d.Account, &res,
		func() {
			if r.FormValue("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(res)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = dashboardPage.Execute(w, dashboardView{res, menu}) // the peer gone: nobody to tell
		},
		func(string) { writeText(w, http.StatusInternalServerError, "error") })
}

// dashboardView formats a dashboard for its page; Menu adds the date picker.
type dashboardView struct {
	workflows.DashboardResult
	Menu bool
}

func (v dashboardView) Figure(r workflows.DashboardRow) string {
	switch v.Kind {
	case config.DashboardAverageBill:
		return strconv.FormatFloat(r.Value, 'f', 1, 64) + " руб"
	case config.DashboardPaid:
		return strconv.FormatInt(r.Sum, 10) + " руб"
	case config.DashboardActive:
		return strconv.Itoa(r.Open)
	}
	return strconv.FormatFloat(r.Value, 'f', 1, 64) + "%"
}

func (v dashboardView) Class(r workflows.DashboardRow) string {
	if r.Value >= v.Good {
		return "green"
	}
	return "red"
}

func (v dashboardView) Count(r workflows.DashboardRow) string {
	switch v.Kind {
	case config.DashboardAverageBill, config.DashboardPaid:
		return strconv.Itoa(r.Won) + " сделок"
	case config.DashboardActive:
		return "в работе, из " + strconv.Itoa(r.Counted) + " обновлённых"
	}
	return strconv.Itoa(r.Won) + "/" + strconv.Itoa(r.Counted)
}

// dashboardPage is the widget page amoCRM shows in its dashboard cell,
// self-contained (no outside scripts or fonts).
var dashboardPage = template.Must(template.New("dashboard").Parse(`<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{margin:0;font-family:"PT Sans",sans-serif;color:#2E3640;text-align:center}
.caption{font-size:22px;font-weight:bold;padding-top:20px}.figure{font-size:40px;margin:15px 0}
.red{color:#fe6e6e}.green{color:#41cfc4}table{margin:0 auto;border-collapse:collapse}td{padding:2px 8px;text-align:right}
td:first-child{text-align:left}.period{font-size:12px;color:#8a8f95}.menu{margin:10px}</style></head>
<body>{{if .Menu}}<form method="get" class="menu"><input type="date" name="date_from" required value="{{.From}}">
<input type="date" name="date_to" required value="{{.To}}"> <label><input type="checkbox" name="refresh"> Обновить принудительно</label>
<input type="submit" value="Получить"></form>{{end}}
<div class="caption">{{.Title}}</div>
<div class="figure {{.Class .Total}}">{{.Figure .Total}}</div><div>{{.Count .Total}}</div>
{{if .Rows}}<table>{{range .Rows}}<tr><td>{{.Name}}</td><td class="{{$.Class .}}">{{$.Figure .}}</td><td>{{$.Count .}}</td></tr>{{end}}</table>{{end}}
<div class="period">{{.From}} — {{.To}}</div></body></html>
`))
