package hookevents

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"amoflow/amowebhook"
	"amoflow/workflows"
)

// hookActions are the actions that start a flow; deletions and notes do not.
var hookActions = map[string]bool{
	amowebhook.ActionAdd: true, amowebhook.ActionUpdate: true, amowebhook.ActionStatus: true,
	amowebhook.ActionResponsible: true, amowebhook.ActionRestore: true,
}

// Split picks the events of a delivery that method acts on and names
// each (the names: workflows/ids.go). One entity appearing several
// times in a delivery (leads[add] and leads[status] of one lead) is one
// event: a status change wins, then the latest modification. A flat request
// (change_resp) is one event made of its fields; a missing or bad field is
// an error naming it. No event is not an error: the delivery is ignored.
func Split(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration) ([]workflows.HookEvent, error) {
	_, entity, ok := workflows.WebhookRoute(method)
	if !ok {
		return nil, fmt.Errorf("unknown webhook method %q", method)
	}
	p := pickers[method]
	if p.events != nil {
		return p.events(method, account, d, receivedAt), nil
	}
	if p.flat != nil {
		return flatEvents(method, account, d, receivedAt, window, p.flat)
	}
	if entity == "" && p.pick == nil {
		return flatEvent(method, account, d, receivedAt, window)
	}
	var picked []amowebhook.Event
	for _, e := range d.Events {
		if p.pick != nil && !p.pick(e) || p.pick == nil && (e.Entity != entity || !hookActions[e.Action]) {
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
	out := make([]workflows.HookEvent, 0, len(picked))
	for _, e := range picked {
		out = append(out, workflows.HookEvent{
			JobID:       workflows.EventJobID(account, method, e, receivedAt, window),
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
func flatEvent(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration) ([]workflows.HookEvent, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(d.Fields["id"]), 10, 64)
	if err != nil || id <= 0 {
		return nil, FieldError{"id", "required, a positive lead id"}
	}
	uid, resp := strings.TrimSpace(d.Fields["uid"]), strings.TrimSpace(d.Fields["resp"])
	if uid == "" {
		return nil, FieldError{"uid", "required, the 1C contract uid"}
	}
	if resp == "" {
		return nil, FieldError{"resp", "required, the new responsible"}
	}
	key := workflows.FlatEventJobID(account, method, id, uid, resp, receivedAt, window)
	return []workflows.HookEvent{{JobID: key, Account: account, Method: method, Entity: amowebhook.Leads, ID: id,
		ReceivedAt: receivedAt, Params: map[string]string{"uid": uid, "resp": resp}}}, nil
}

// flatEvents is the one event of a flat form (its id: workflows.FlatFormJobID).
func flatEvents(method, account string, d amowebhook.Delivery, receivedAt time.Time, window time.Duration,
	read func(amowebhook.Delivery) (string, map[string]string, error)) ([]workflows.HookEvent, error) {
	name, params, err := read(d)
	if err != nil {
		return nil, err
	}
	return []workflows.HookEvent{{JobID: workflows.FlatFormJobID(account, method, name, receivedAt, window), Account: account, Method: method,
		ReceivedAt: receivedAt, Params: params}}, nil
}

// FieldError blames one request field (the starter answers 400 naming it).
type FieldError struct{ field, detail string }

func (e FieldError) Error() string { return e.field + ": " + e.detail }

// Field is the request field to blame.
func (e FieldError) Field() string { return e.field }
