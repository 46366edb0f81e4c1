package workflows

import (
	"time"

	"amoflow/amowebhook"
)

// Webhooks: one message per delivery, one child workflow per event.
//
// The starter parses a delivery, keeps the events its method acts on
// (package hookevents) and names each with
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
	// payment forms pick their events: hookevents (pickers.go).
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
// (hookevents.Split): the account (config key) whose webhooks it
// takes and the entity its events are about ("" for a flat request such as
// change_resp); ok is false for an unknown method.
func WebhookRoute(method string) (account, entity string, ok bool) {
	m, ok := hookMethods[method]
	return m.account, m.entity, ok
}

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
