package hookevents

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"amoflow/amowebhook"
	"amoflow/phone"
	"amoflow/workflows"
)

// picker is how a method that is not "every add/update/status of one
// entity" picks its events (see Split).
type picker struct {
	// pick chooses the events instead of the method's entity and the
	// actions (a method acting on several entities, or on some changes only).
	pick func(amowebhook.Event) bool
	// flat reads a flat form (no amoCRM entity in it) instead of
	// change_resp's id/uid/resp: it returns the event's name, which must
	// hold no personal data, and its params, or a FieldError.
	flat func(d amowebhook.Delivery) (name string, params map[string]string, err error)
	// events names the delivery's events itself: a method whose events are
	// not one per changed entity (initial_lead: once per lead, whichever
	// delivery names it; unsorted_accept: unsorted entries).
	events func(method, account string, d amowebhook.Delivery, receivedAt time.Time) []workflows.HookEvent
}

// pickers are the methods whose events are not "every add, update or
// status change of the method's entity".
var pickers = map[string]picker{
	"respchange":      {pick: respChange},
	"ppie":            {pick: ppieNew},
	"conferencepaid":  {flat: paymentForm(false)},
	"retailpaid":      {flat: paymentForm(true)},
	"initial_lead":    {events: initialLeadEvents},
	"unsorted_accept": {events: unsortedEvents},
}

// respChange picks the events respchange acts on: a lead's
// responsible change, and a contact's update that changed its responsible
// (amoCRM reports that as contacts[update] with old_responsible_user_id).
// Companies, which amoCRM also sends under contacts[…], are left alone: the
// predecessor patched them through the contacts endpoint.
func respChange(e amowebhook.Event) bool {
	switch e.Entity {
	case amowebhook.Leads:
		return e.Action == amowebhook.ActionResponsible && e.OldResponsibleUserID != 0
	case amowebhook.Contacts:
		return (e.Action == amowebhook.ActionUpdate || e.Action == amowebhook.ActionResponsible) && e.OldResponsibleUserID != 0
	}
	return false
}

// ppieNew picks the events ppie acts on: a new lead (an accepted unsorted
// lead arrives as one too). Later changes are the managers' work, which the
// predecessor's rename would have undone.
func ppieNew(e amowebhook.Event) bool {
	return e.Entity == amowebhook.Leads && e.Action == amowebhook.ActionAdd
}

// paymentForm reads a payment form. A value the predecessor took as
// missing ("", "undefined") is missing; a phone that is no number or an
// email that is no address is ignored; at least one must remain. price
// (withPrice) must be a non-negative amount ("1500", "1500.50", "1 500,50"):
// the predecessor wrote 0 for an amount it could not read.
func paymentForm(withPrice bool) func(amowebhook.Delivery) (string, map[string]string, error) {
	return func(d amowebhook.Delivery) (string, map[string]string, error) {
		ph := phone.Normalize(formValue(d.Fields["phone"]))
		email := strings.ToLower(strings.ReplaceAll(formValue(d.Fields["email"]), " ", ""))
		if !strings.Contains(email, "@") {
			email = ""
		}
		if ph == "" && email == "" {
			return "", nil, FieldError{"phone", "a phone number or an email address (email) of the payer is required"}
		}
		params := map[string]string{"phone": ph, "email": email}
		if withPrice {
			price, ok := paymentAmount(d.Fields["price"])
			if !ok {
				return "", nil, FieldError{"price", "required, the amount paid (digits, optionally with kopecks)"}
			}
			params["price"] = price
		}
		return "pay" + workflows.Digest(ph, email, params["price"]), params, nil
	}
}

// formValue is a form value, with the site's "undefined" for none.
func formValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "undefined" {
		return ""
	}
	return v
}

// paymentAmount reads an amount as the note shows it: whole roubles
// without a fraction, else with two decimals.
func paymentAmount(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(formValue(s))
	if s == "" {
		return "", false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x > 1e12 {
		return "", false
	}
	if x == float64(int64(x)) {
		return strconv.FormatInt(int64(x), 10), true
	}
	return strconv.FormatFloat(x, 'f', 2, 64), true
}

// initialLeadEvents are the leads a delivery to initial_lead names: added
// leads and leads made by accepting an unsorted entry
// (unsorted[delete][i][action]=accept with accept_result[leads][0]). A
// lead is processed once, whichever delivery names it first: its event's
// name has no time.
func initialLeadEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time) []workflows.HookEvent {
	var out []workflows.HookEvent
	add := func(id int64, action string) {
		if id <= 0 || slices.ContainsFunc(out, func(e workflows.HookEvent) bool { return e.ID == id }) {
			return
		}
		out = append(out, workflows.HookEvent{JobID: workflows.LeadEventJobID(account, method, id), Account: account, Method: method,
			Entity: amowebhook.Leads, ID: id, Action: action, ReceivedAt: receivedAt})
	}
	for _, e := range d.Events {
		switch {
		case e.Entity == amowebhook.Leads && e.Action == amowebhook.ActionAdd:
			add(e.ID, e.Action)
		case e.Entity == "unsorted" && e.Action == amowebhook.ActionDelete && strings.TrimSpace(e.Other["action"]) == "accept":
			id, _ := strconv.ParseInt(strings.TrimSpace(e.Other["accept_result.leads.0"]), 10, 64)
			add(id, "accept")
		}
	}
	return out
}

// unsortedEvents are the new unsorted entries of a delivery
// (unsorted[add][i] with uid and source_data[service]), each named by a
// digest of its uid: an entry is accepted once.
func unsortedEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time) []workflows.HookEvent {
	var out []workflows.HookEvent
	for _, e := range d.Events {
		uid := strings.TrimSpace(e.Other["uid"])
		if e.Entity != "unsorted" || e.Action != amowebhook.ActionAdd || uid == "" {
			continue
		}
		key := workflows.UnsortedEventJobID(account, method, uid)
		if slices.ContainsFunc(out, func(h workflows.HookEvent) bool { return h.JobID == key }) {
			continue
		}
		out = append(out, workflows.HookEvent{JobID: key, Account: account, Method: method, Entity: "unsorted", Action: e.Action, ReceivedAt: receivedAt,
			Params: map[string]string{"uid": uid, "service": strings.TrimSpace(e.Other["source_data.service"])}})
	}
	return out
}

// InitialLeadRerun is the delivery of a manual re-run of initial_lead for
// one lead of account (the old GET /wh/leadprocessor/{id}): one event named
// by workflows.LeadRerunJobID, its delivery by workflows.DeliveryJobID. The flow finishes what
// the lead's processing left undone; its notes are its markers, so a lead
// already processed is left as it is.
func InitialLeadRerun(account string, leadID int64, at time.Time, window time.Duration) workflows.WebhookInput {
	const method = "initial_lead"
	ev := workflows.HookEvent{JobID: workflows.LeadRerunJobID(account, method, leadID, at, window), Account: account, Method: method,
		Entity: amowebhook.Leads, ID: leadID, Action: "rerun", ReceivedAt: at}
	return workflows.WebhookInput{JobID: workflows.DeliveryJobID(account, method, []string{ev.JobID}), Account: account, Method: method,
		ReceivedAt: at, Events: []workflows.HookEvent{ev}}
}
