package amowebhook

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Location is the time zone of the datetime strings amoCRM puts in notes:
// the account's zone, Moscow for both accounts (UTC+3 all year since 2014).
var Location = time.FixedZone("MSK", 3*60*60)

// Bounds on one delivery. amoCRM batches far fewer entities than this; the
// bounds keep a hostile body from making the parser do unbounded work.
const (
	MaxEvents = 500
	maxIndex  = 9999
)

// Parse reads a webhook body (already form-decoded). A key sent twice keeps
// its last value, as PHP did. Keys that are not amoCRM's shape are ignored.
//
// One bad event does not spoil the delivery: an event with a known numeric
// or time field that does not parse, an index that is not a number or no
// entity id, and every event past MaxEvents, is left out of Events and
// listed in Rejected with a reason naming the key (never the value, which
// may be personal data). The error is for the delivery as a whole: an
// account[id] that is not a number.
func Parse(form url.Values) (Delivery, error) {
	return parseForm(form, nil)
}

// ParseBody is Parse of a raw application/x-www-form-urlencoded body. A
// value that is not valid URL encoding rejects its event only; outside an
// event it is left out (account[id] and account[subdomain]: the delivery is
// an error). A key that cannot be decoded names nothing and is left out.
func ParseBody(body string) (Delivery, error) {
	form := url.Values{}
	var bad []string
	for _, pair := range strings.Split(body, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			bad = append(bad, key)
			continue
		}
		form[key] = append(form[key], val)
	}
	return parseForm(form, bad)
}

// parseForm is Parse; badKeys are keys whose value could not be decoded.
func parseForm(form url.Values, badKeys []string) (Delivery, error) {
	d := Delivery{}
	type eventKey struct {
		entity, action string
		index          int
	}
	raw := map[eventKey]map[string]string{}
	rejected := map[string]bool{} // one entry per event, the first reason found
	reject := func(event, reason, detail string) {
		if !rejected[event] {
			rejected[event] = true
			d.Rejected = append(d.Rejected, Rejection{Event: event, Reason: reason, Detail: detail})
		}
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys) // errors must not depend on map order
	spoiled := map[string]bool{}
	slices.Sort(badKeys)
	for _, k := range badKeys {
		parts, ok := splitKey(k)
		switch {
		case !ok:
		case parts[0] == "account" && len(parts) == 2 && (parts[1] == "id" || parts[1] == "subdomain"):
			return Delivery{}, fmt.Errorf("%s: not valid URL encoding", k)
		case len(parts) >= 4 && parts[0] != "account":
			name := fmt.Sprintf("%s[%s][%s]", parts[0], parts[1], parts[2])
			spoiled[name] = true
			reject(name, ReasonBadValue, k+": not valid URL encoding")
		}
	}
	for _, k := range keys {
		vs := form[k]
		if len(vs) == 0 {
			continue
		}
		v := vs[len(vs)-1]
		parts, ok := splitKey(k)
		if !ok {
			continue
		}
		switch {
		case len(parts) == 1:
			if d.Fields == nil {
				d.Fields = map[string]string{}
			}
			d.Fields[parts[0]] = v
		case parts[0] == "account" && len(parts) == 2:
			switch parts[1] {
			case "id":
				n, err := parseInt(k, v)
				if err != nil {
					return Delivery{}, err
				}
				d.AccountID = n
			case "subdomain":
				d.Subdomain = strings.TrimSpace(v)
			}
		case len(parts) >= 4 && parts[0] != "account":
			name := fmt.Sprintf("%s[%s][%s]", parts[0], parts[1], parts[2])
			if spoiled[name] {
				continue
			}
			i, err := strconv.Atoi(parts[2])
			if err != nil || i < 0 || i > maxIndex {
				reject(name, ReasonBadIndex, fmt.Sprintf("%s: the index must be a number from 0 to %d", k, maxIndex))
				continue
			}
			ek := eventKey{parts[0], parts[1], i}
			m := raw[ek]
			if m == nil {
				if len(raw) == MaxEvents {
					reject(name, ReasonTooMany, fmt.Sprintf("more than %d entities in one delivery", MaxEvents))
					continue
				}
				m = map[string]string{}
				raw[ek] = m
			}
			m[strings.Join(parts[3:], ".")] = v
		}
	}
	eks := make([]eventKey, 0, len(raw))
	for ek := range raw {
		eks = append(eks, ek)
	}
	// As sent: by entity, action and index (a company keeps its place among contacts).
	sort.Slice(eks, func(i, j int) bool {
		a, b := eks[i], eks[j]
		if a.entity != b.entity {
			return a.entity < b.entity
		}
		if a.action != b.action {
			return a.action < b.action
		}
		return a.index < b.index
	})
	for _, ek := range eks {
		e, err := readEvent(ek.entity, ek.action, ek.index, raw[ek])
		if err != nil {
			var re *eventError
			if !errors.As(err, &re) {
				re = &eventError{ReasonBadValue, err.Error()}
			}
			reject(fmt.Sprintf("%s[%s][%d]", ek.entity, ek.action, ek.index), re.reason, re.detail)
			continue
		}
		d.Events = append(d.Events, e)
	}
	sort.SliceStable(d.Rejected, func(i, j int) bool { return d.Rejected[i].Event < d.Rejected[j].Event })
	return d, nil
}

// Reasons an event is rejected (the metric's reason label: a fixed set).
const (
	ReasonBadIndex = "bad_index"  // entity[action][i] with i not a number in range
	ReasonBadValue = "bad_value"  // a numeric or time field that does not parse
	ReasonNoID     = "missing_id" // a lead, contact or company without its id
	ReasonTooMany  = "too_many"   // past MaxEvents entities in one delivery
)

// Rejection is one event of a delivery that was left out.
type Rejection struct {
	// Event is entity[action][index], as sent.
	Event  string `json:"event"`
	Reason string `json:"reason"`
	// Detail names the key at fault, never its value.
	Detail string `json:"detail"`
}

// eventError is why readEvent refused an event.
type eventError struct{ reason, detail string }

func (e *eventError) Error() string { return e.detail }

// splitKey splits a[b][c] into a, b, c; ok is false for anything else.
func splitKey(k string) (parts []string, ok bool) {
	i := strings.IndexByte(k, '[')
	if i < 0 {
		if k == "" || strings.ContainsRune(k, ']') {
			return nil, false
		}
		return []string{k}, true
	}
	if i == 0 {
		return nil, false
	}
	parts = append(parts, k[:i])
	rest := k[i:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, false
		}
		seg := rest[1:j]
		if strings.ContainsRune(seg, '[') || strings.ContainsRune(seg, '.') {
			return nil, false
		}
		parts = append(parts, seg)
		rest = rest[j+1:]
	}
	return parts, true
}

// field is the reader of one event's fields; path is the key after the index.
type field struct {
	prefix string // entity[action][index], to name keys in errors
	m      map[string]string
	err    error
}

func (f *field) key(path string) string {
	return f.prefix + "[" + strings.ReplaceAll(path, ".", "][") + "]"
}

func (f *field) int(path string) int64 {
	v, ok := f.m[path]
	if !ok {
		return 0
	}
	n, err := parseInt(f.key(path), v)
	if err != nil && f.err == nil {
		f.err = err
	}
	return n
}

func (f *field) time(path string) int64 {
	v, ok := f.m[path]
	if !ok {
		return 0
	}
	t, err := parseTime(f.key(path), v)
	if err != nil && f.err == nil {
		f.err = err
	}
	return t
}

// scalars are the top-level fields readEvent consumes itself.
var scalars = map[string]bool{
	"id": true, "type": true, "name": true, "status_id": true, "pipeline_id": true,
	"old_status_id": true, "old_pipeline_id": true, "price": true, "responsible_user_id": true,
	"old_responsible_user_id": true, "modified_user_id": true, "created_user_id": true,
	"account_id": true, "linked_company_id": true, "created_at": true, "updated_at": true,
	"last_modified": true, "date_create": true,
}

func readEvent(entity, action string, index int, m map[string]string) (Event, error) {
	f := &field{prefix: fmt.Sprintf("%s[%s][%d]", entity, action, index), m: m}
	e := Event{
		Entity:               entity,
		Action:               action,
		Index:                index,
		ID:                   f.int("id"),
		Type:                 strings.TrimSpace(m["type"]),
		Name:                 m["name"],
		StatusID:             f.int("status_id"),
		PipelineID:           f.int("pipeline_id"),
		OldStatusID:          f.int("old_status_id"),
		OldPipelineID:        f.int("old_pipeline_id"),
		Price:                f.int("price"),
		ResponsibleUserID:    f.int("responsible_user_id"),
		OldResponsibleUserID: f.int("old_responsible_user_id"),
		ModifiedUserID:       f.int("modified_user_id"),
		CreatedUserID:        f.int("created_user_id"),
		AccountID:            f.int("account_id"),
		CompanyID:            f.int("linked_company_id"),
		CreatedAt:            f.time("created_at"),
		UpdatedAt:            f.time("updated_at"),
		LastModified:         f.time("last_modified"),
	}
	if e.CreatedAt == 0 {
		e.CreatedAt = f.time("date_create")
	}
	if entity == Contacts && e.Type == "company" {
		e.Entity = Companies
	}

	fields := map[int]*CustomField{}
	values := map[[2]int]*FieldValue{}
	tags := map[int]*Tag{}
	var note *Note
	paths := make([]string, 0, len(m))
	for path := range m {
		paths = append(paths, path)
	}
	sort.Strings(paths) // the first error reported must not depend on map order
	for _, path := range paths {
		v := m[path]
		p := strings.Split(path, ".")
		switch {
		case len(p) == 1 && scalars[p[0]]:
		case p[0] == "custom_fields" && len(p) >= 3:
			n, err := strconv.Atoi(p[1])
			if err != nil || n < 0 || n > maxIndex {
				continue
			}
			cf := fields[n]
			if cf == nil {
				cf = &CustomField{}
				fields[n] = cf
			}
			switch {
			case len(p) == 3 && p[2] == "id":
				cf.ID = f.int(path)
			case len(p) == 3 && p[2] == "name":
				cf.Name = v
			case len(p) == 3 && p[2] == "code":
				cf.Code = v
			case p[2] == "values" && (len(p) == 4 || len(p) == 5):
				i, err := strconv.Atoi(p[3])
				if err != nil || i < 0 || i > maxIndex {
					continue
				}
				fv := values[[2]int{n, i}]
				if fv == nil {
					fv = &FieldValue{}
					values[[2]int{n, i}] = fv
				}
				switch {
				case len(p) == 4, p[4] == "value":
					fv.Value = v
				case p[4] == "enum":
					fv.Enum = f.int(path)
				}
			}
		case p[0] == "tags" && len(p) == 3:
			n, err := strconv.Atoi(p[1])
			if err != nil || n < 0 || n > maxIndex {
				continue
			}
			if tags[n] == nil {
				tags[n] = &Tag{}
			}
			switch p[2] {
			case "id":
				tags[n].ID = f.int(path)
			case "name":
				tags[n].Name = v
			}
		case p[0] == "linked_leads_id" && len(p) == 2:
			if id := f.int(path); id > 0 {
				e.LinkedLeadIDs = append(e.LinkedLeadIDs, id)
			}
		case p[0] == "note" && len(p) >= 2:
			if note == nil {
				note = &Note{}
			}
			switch strings.Join(p[1:], ".") {
			case "id":
				note.ID = f.int(path)
			case "note_type":
				note.Type = v
			case "text", "params.text":
				if note.Text == "" || p[1] == "text" {
					note.Text = v
				}
			case "element_id":
				note.ElementID = f.int(path)
			case "element_type":
				note.ElementType = f.int(path)
			case "created_by":
				note.CreatedBy = f.int(path)
			case "date_create":
				note.CreatedAt = f.time(path)
			case "last_modified":
				note.UpdatedAt = f.time(path)
			}
		default:
			if e.Other == nil {
				e.Other = map[string]string{}
			}
			e.Other[path] = v
		}
	}
	if f.err != nil {
		return Event{}, &eventError{ReasonBadValue, f.err.Error()}
	}
	for _, n := range sortedKeys(fields) {
		cf := fields[n]
		var idx []int
		for k := range values {
			if k[0] == n {
				idx = append(idx, k[1])
			}
		}
		sort.Ints(idx)
		for _, i := range idx {
			cf.Values = append(cf.Values, *values[[2]int{n, i}])
		}
		e.CustomFields = append(e.CustomFields, *cf)
	}
	for _, n := range sortedKeys(tags) {
		e.Tags = append(e.Tags, *tags[n])
	}
	sortInt64s(e.LinkedLeadIDs)
	e.Note = note
	if e.ID == 0 && note != nil {
		e.ID = note.ElementID
	}
	switch e.Entity {
	case Leads, Contacts, Companies:
		if e.ID <= 0 {
			return Event{}, &eventError{ReasonNoID, f.prefix + "[id]: required, a positive entity id"}
		}
	}
	return e, nil
}

func sortedKeys[T any](m map[int]T) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func sortInt64s(s []int64) {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
}

var errNotNumber = errors.New("not a number")

// parseInt reads a decimal id or amount; empty is 0 (amoCRM sends
// old_status_id= and price= empty).
func parseInt(key, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, errNotNumber)
	}
	return n, nil
}

// parseTime reads Unix seconds or amoCRM's "2006-01-02 15:04:05" in Location.
func parseTime(key, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	for _, layout := range []string{time.DateTime, time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, Location); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, fmt.Errorf("%s: not Unix seconds nor a \"2006-01-02 15:04:05\" date-time", key)
}
