package workflows

import (
	"strings"

	"amoflow/activities"
	"amoflow/phone"
)

// doubleCheck is one value of a corporate company that another company may
// share: what to ask amoCRM's search, and how to tell a real match.
type doubleCheck struct {
	FieldID int64
	Kind    string // phone, email, inn
	Value   string // as the company holds it (shown in the note)
	Query   string
}

// maxDoubleChecks bounds the searches of one company.
const maxDoubleChecks = 10

// doubleChecks lists the company's values to look for in other companies
// (docs/flows.md#checkdouble): every phone, email and INN value (the
// predecessor looked only at the first of each field), each once.
func doubleChecks(co activities.CompanyCard, fields map[string]int64) []doubleCheck {
	var out []doubleCheck
	for _, kind := range []string{"email", "phone", "inn"} {
		id := fields[kind]
		for _, f := range co.Values {
			if id == 0 || f.ID != id {
				continue
			}
			for _, v := range f.Values {
				value := strings.TrimSpace(v.Text())
				q := doubleKey(kind, value)
				if q == "" || len(out) == maxDoubleChecks || containsCheck(out, kind, q) {
					continue
				}
				out = append(out, doubleCheck{FieldID: id, Kind: kind, Value: value, Query: q})
			}
		}
	}
	return out
}

func containsCheck(cs []doubleCheck, kind, q string) bool {
	for _, c := range cs {
		if c.Kind == kind && c.Query == q {
			return true
		}
	}
	return false
}

// doubleKey is the value as compared and searched: a phone's last ten
// digits, a lower-cased email, an INN's digits (at least 10). "" when the
// value cannot identify a company.
func doubleKey(kind, value string) string {
	switch kind {
	case "phone":
		if n := phone.Normalize(value); n != "" {
			return phone.SearchKey(n)
		}
	case "email":
		if e := strings.ToLower(strings.ReplaceAll(value, " ", "")); strings.Contains(e, "@") {
			return e
		}
	case "inn":
		if d := phone.Digits(value); len(d) >= 10 {
			return d
		}
	}
	return ""
}

// isDouble reports whether a search hit is another company that really
// holds the value (amoCRM's search is fuzzy: the predecessor took any hit).
func isDouble(hit activities.CompanyCard, selfID int64, c doubleCheck) bool {
	if hit.ID == 0 || hit.ID == selfID {
		return false
	}
	for _, f := range hit.Values {
		if f.ID != c.FieldID {
			continue
		}
		for _, v := range f.Values {
			if doubleKey(c.Kind, v.Text()) == c.Query {
				return true
			}
		}
	}
	return false
}

// doubleNotePrefix starts the warning note.
const doubleNotePrefix = "ВНИМАНИЕ! Проверьте компанию на дубли по следующим критериям: "

// doubleNote is the warning listing the shared values, one per line.
func doubleNote(values []string) string {
	return doubleNotePrefix + "\n" + strings.Join(values, "\n")
}

// doubleNoted reports whether the company's latest warning says text
// already: the company is edited often, and each edit sends the hook
// again; the warning is repeated only when what it lists changed.
func doubleNoted(notes []activities.NoteCard, text string) bool {
	var last *activities.NoteCard
	for i, n := range notes {
		if strings.HasPrefix(n.Params.Text, doubleNotePrefix) && (last == nil || n.CreatedAt > last.CreatedAt || n.CreatedAt == last.CreatedAt && n.ID > last.ID) {
			last = &notes[i]
		}
	}
	return last != nil && last.Params.Text == text
}
