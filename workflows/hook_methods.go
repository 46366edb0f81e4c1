package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"amoflow/amowebhook"
)

// Webhooks: one message per delivery, one child workflow per event.
//
// The starter parses a delivery, keeps the events its method acts on
// (WebhookEvents, below) and names each with
// EventJobID (ids.go) (account, method, entity id, status and
// old status, modification time). It publishes ONE message for the delivery,
// whose job id is DeliveryJobID of those names; the bridge starts
// HandleWebhook with it, and HandleWebhook starts one child workflow per
// event whose workflow id is the event's name. So a redelivered delivery is
// the same job (the bridge finds it started), an event that arrives again
// in another delivery is the same child (Temporal refuses a second one), and
// two real stage changes are two children. The job answers for the whole
// delivery (GET /v1/jobs/{id} lists every event's child and result), and
// the 202 comes after one broker confirm, however many entities it carries.

// HookEvent is one event of a delivery, the input of a webhook flow.
type HookEvent struct {
	// JobID is the event's name: the child workflow's id.
	JobID   string `json:"job_id"`
	Account string `json:"account"` // config key of the account that sent it
	Method  string `json:"method"`
	Entity  string `json:"entity"` // leads or contacts
	ID      int64  `json:"id"`
	Action  string `json:"action,omitempty"`
	// StatusID and OldStatusID are what the hook said; flows read the
	// entity afresh and decide on what amoCRM holds now.
	StatusID    int64     `json:"status_id,omitempty"`
	OldStatusID int64     `json:"old_status_id,omitempty"`
	ModifiedAt  int64     `json:"modified_at,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	// Params are the fields of a flat request (change_resp: uid, resp).
	Params map[string]string `json:"params,omitempty"`
	// ResponsibleID, OldResponsibleID and ModifiedBy are the hook's
	// responsible change: who is responsible now, who was, and which user
	// changed it (0: amoCRM's robot). The change itself is history, so the
	// flow must take it from the hook (respchange).
	ResponsibleID    int64 `json:"responsible_id,omitempty"`
	OldResponsibleID int64 `json:"old_responsible_id,omitempty"`
	ModifiedBy       int64 `json:"modified_by,omitempty"`
}

// WebhookInput is one stored delivery, the input of HandleWebhook.
type WebhookInput struct {
	JobID      string      `json:"job_id"`
	Account    string      `json:"account"`
	Method     string      `json:"method"`
	ReceivedAt time.Time   `json:"received_at"`
	Events     []HookEvent `json:"events"`
}

// hookMethod is what a webhook method (the {method} of the URL,
// docs/flows.md#methods-and-accounts) does.
type hookMethod struct {
	account  string // the account whose hooks it takes
	entity   string // the events it acts on; "" for a flat request
	workflow string // the child workflow per event
}

var hookMethods = map[string]hookMethod{
	"ret2corp":      {"retail", amowebhook.Leads, Ret2CorpName},
	"corp2ret":      {"corp", amowebhook.Leads, Corp2RetName},
	"corp2ret_fail": {"corp", amowebhook.Leads, Corp2RetFailName},
	"corp2agr":      {"corp", amowebhook.Leads, Corp2AgrName},
	"agr2corp":      {"corp", amowebhook.Leads, Agr2CorpName},
	"avito_lead":    {"retail", amowebhook.Leads, AvitoLeadName},
	"processevents": {"retail", amowebhook.Leads, ProcessEventsName},
	"editcontact":   {"retail", amowebhook.Contacts, EditContactName},
	// The 1C flows, started by name (their code lives with the 1C flows).
	"savelead":     {"retail", amowebhook.Leads, Sync1COrderName},
	"physics_corp": {"corp", amowebhook.Leads, Sync1COrderName},
	"change_resp":  {"retail", "", ChangeResponsible1CName},
	// The old C# processor's automations (hook_*.go).
	"initial_lead":     {"retail", amowebhook.Leads, InitialLeadName},
	"unsorted_accept":  {"retail", "unsorted", UnsortedAcceptName},
	"setcourse":        {"retail", amowebhook.Leads, SetCourseName},
	"capitalizecourse": {"retail", amowebhook.Leads, CapitalizeCourseName},

	// The C# integration's hook flows (hook_*.go); how respchange and the
	// payment forms pick their events: hookPickers.
	"respchange":          {"retail", "", RespChangeName},
	"checkdouble":         {"corp", amowebhook.Companies, CheckDoubleName},
	"conferencepaid":      {"corp", "", ConferencePaidName},
	"retailpaid":          {"retail", "", RetailPaidName},
	"corp2retail":         {"corp", amowebhook.Leads, Corp2RetailName},
	"corp2retail_success": {"retail", amowebhook.Leads, Corp2RetailSuccessName},
	"corp2retail_fail":    {"retail", amowebhook.Leads, Corp2RetailFailName},
	"createlk":            {"retail", amowebhook.Leads, CreateLKName},
	"webinar_admission":   {"retail", amowebhook.Leads, WebinarAdmissionName},
	"ppie":                {"ppie", amowebhook.Leads, PPIEName}, // an optional account: refused when not configured

	// amoCRM edits sent to 1C (UpdateOneC).
	"updateclient":      {"retail", amowebhook.Contacts, UpdateOneCName},
	"updateclient_corp": {"corp", amowebhook.Contacts, UpdateOneCName},
	"updatecompany":     {"corp", amowebhook.Companies, UpdateOneCName},
	"updatelead":        {"retail", amowebhook.Leads, UpdateOneCName},
	"updatelead_corp":   {"corp", amowebhook.Leads, UpdateOneCName},
	// Explicit transfers of a lead's client or company to 1C.
	"saveclient":      {"retail", amowebhook.Leads, SaveClient1CName},
	"saveclient_corp": {"corp", amowebhook.Leads, SaveClient1CName},
	"savecompany":     {"corp", amowebhook.Leads, SaveCompany1CName},
}

// WebhookRoute is what the starter needs to split a delivery for method
// (WebhookEvents): the account (config key) whose webhooks it
// takes and the entity its events are about ("" for a flat request such as
// change_resp); ok is false for an unknown method.
func WebhookRoute(method string) (account, entity string, ok bool) {
	m, ok := hookMethods[method]
	return m.account, m.entity, ok
}

// hookActions are the actions that start a flow; deletions and notes do not.
var hookActions = map[string]bool{
	amowebhook.ActionAdd: true, amowebhook.ActionUpdate: true, amowebhook.ActionStatus: true,
	amowebhook.ActionResponsible: true, amowebhook.ActionRestore: true,
}

// WebhookEvents picks the events of a delivery that method acts on and
// names each (see the comment at the top). One entity appearing several
// times in a delivery (leads[add] and leads[status] of one lead) is one
// event: a status change wins, then the latest modification. A flat request
// (change_resp) is one event made of its fields; a missing or bad field is
// an error naming it. No event is not an error: the delivery is ignored.
func WebhookEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration) ([]HookEvent, error) {
	m, ok := hookMethods[method]
	if !ok {
		return nil, fmt.Errorf("unknown webhook method %q", method)
	}
	p := hookPickers[method]
	if p.events != nil {
		return p.events(method, account, d, receivedAt), nil
	}
	if p.flat != nil {
		return flatEvents(method, account, d, receivedAt, window, p.flat)
	}
	if m.entity == "" && p.pick == nil {
		return flatEvent(method, account, d, receivedAt, window)
	}
	var picked []amowebhook.Event
	for _, e := range d.Events {
		if p.pick != nil && !p.pick(e) || p.pick == nil && (e.Entity != m.entity || !hookActions[e.Action]) {
			continue
		}
		i := indexOf(picked, e.ID, e.Entity)
		switch {
		case i < 0:
			picked = append(picked, e)
		case betterEvent(e, picked[i]):
			picked[i] = e
		}
	}
	out := make([]HookEvent, 0, len(picked))
	for _, e := range picked {
		out = append(out, HookEvent{
			JobID:       EventJobID(account, method, e, receivedAt, window),
			Account:     account,
			Method:      method,
			Entity:      e.Entity,
			ID:          e.ID,
			Action:      e.Action,
			StatusID:    e.StatusID,
			OldStatusID: e.OldStatusID,
			ModifiedAt:  e.ModifiedAt(),
			ReceivedAt:  receivedAt,

			ResponsibleID:    e.ResponsibleUserID,
			OldResponsibleID: e.OldResponsibleUserID,
			ModifiedBy:       e.ModifiedUserID,
		})
	}
	return out, nil
}

func indexOf(events []amowebhook.Event, id int64, entity string) int {
	for i, e := range events {
		if e.ID == id && e.Entity == entity {
			return i
		}
	}
	return -1
}

// betterEvent reports whether e says more about its entity than had.
func betterEvent(e, had amowebhook.Event) bool {
	if (e.Action == amowebhook.ActionStatus) != (had.Action == amowebhook.ActionStatus) {
		return e.Action == amowebhook.ActionStatus
	}
	return e.ModifiedAt() > had.ModifiedAt()
}

// flatEvent reads change_resp's flat form: id (the retail lead), uid (the
// 1C contract), resp (the new responsible, as 1C names them).
func flatEvent(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration) ([]HookEvent, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(d.Fields["id"]), 10, 64)
	if err != nil || id <= 0 {
		return nil, fieldError{"id", "required, a positive lead id"}
	}
	uid, resp := strings.TrimSpace(d.Fields["uid"]), strings.TrimSpace(d.Fields["resp"])
	if uid == "" {
		return nil, fieldError{"uid", "required, the 1C contract uid"}
	}
	if resp == "" {
		return nil, fieldError{"resp", "required, the new responsible"}
	}
	key := FlatEventJobID(account, method, id, uid, resp, receivedAt, window)
	return []HookEvent{{JobID: key, Account: account, Method: method, Entity: amowebhook.Leads, ID: id,
		ReceivedAt: receivedAt, Params: map[string]string{"uid": uid, "resp": resp}}}, nil
}

// fieldError blames one request field (the starter answers 400 naming it).
type fieldError struct{ field, detail string }

func (e fieldError) Error() string { return e.field + ": " + e.detail }

// Field is the request field to blame.
func (e fieldError) Field() string { return e.field }

// childInput is what the method's child workflow takes for one event.
func (m hookMethod) childInput(ev HookEvent) any {
	switch m.workflow {
	case Sync1COrderName:
		return Sync1COrderInput{Account: ev.Account, LeadID: ev.ID}
	case ChangeResponsible1CName:
		return ChangeResponsibleInput{Account: ev.Account, LeadID: ev.ID, ContractUID: ev.Params["uid"], Resp: ev.Params["resp"]}
	}
	return ev
}
