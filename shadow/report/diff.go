package report

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"amoflow/amocrm"
	"amoflow/phone"
)

// Diff is one field a planned write would have set otherwise than the
// account holds it. Values are filled only for fields that carry no personal
// data (ids, stages, price, tags); every other field is named, never shown.
type Diff struct {
	Field   string `json:"field"`
	Planned string `json:"planned,omitempty"`
	Actual  string `json:"actual,omitempty"`
}

// record is an entity reduced to what a write can set: scalars by JSON
// name, custom fields by "cf:{id}" (or "cf:{CODE}" when written by code)
// and tag names.
type record struct {
	scalars map[string]string
	fields  []amocrm.CustomFieldValue
	tags    []string
}

// showable are the scalars whose values a report may print.
var showable = map[string]bool{
	"status_id": true, "pipeline_id": true, "responsible_user_id": true, "price": true,
	"task_type_id": true, "note_type": true,
}

func num(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func tagNames(tags []amocrm.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

func leadRecord(l *amocrm.Lead) record {
	r := record{scalars: map[string]string{
		"name": l.Name, "price": num(l.Price), "status_id": num(l.StatusID),
		"pipeline_id": num(l.PipelineID), "responsible_user_id": num(l.ResponsibleUserID),
	}, fields: l.CustomFieldsValues}
	if l.Embedded != nil {
		r.tags = tagNames(l.Embedded.Tags)
	}
	return r
}

func contactRecord(c *amocrm.Contact) record {
	r := record{scalars: map[string]string{
		"name": c.Name, "first_name": c.FirstName, "last_name": c.LastName,
		"responsible_user_id": num(c.ResponsibleUserID),
	}, fields: c.CustomFieldsValues}
	if c.Embedded != nil {
		r.tags = tagNames(c.Embedded.Tags)
	}
	return r
}

func companyRecord(c *amocrm.Company) record {
	return record{scalars: map[string]string{
		"name": c.Name, "responsible_user_id": num(c.ResponsibleUserID),
	}, fields: c.CustomFieldsValues}
}

// diffRecords lists what planned sets (its non-empty scalars, its custom
// fields, its tags) that actual does not hold; prefix names the entity
// ("contact."). fieldName names a custom field id for the reader.
func diffRecords(prefix string, planned, actual record, fieldName func(int64) string) []Diff {
	var out []Diff
	for _, k := range slices.Sorted(maps.Keys(planned.scalars)) {
		p, a := planned.scalars[k], actual.scalars[k]
		if p == "" || sameText(p, a) {
			continue
		}
		d := Diff{Field: prefix + k}
		if showable[k] {
			d.Planned, d.Actual = p, a
		}
		out = append(out, d)
	}
	for _, f := range planned.fields {
		got := matchField(actual.fields, f)
		if !sameValues(f, got) {
			out = append(out, Diff{Field: prefix + fieldLabel(f, fieldName)})
		}
	}
	var missing []string
	for _, t := range planned.tags {
		if !slices.ContainsFunc(actual.tags, func(a string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(t)) }) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		out = append(out, Diff{Field: prefix + "tags", Planned: strings.Join(missing, ","), Actual: strings.Join(actual.tags, ",")})
	}
	return out
}

// fieldLabel names a custom field: cf:{code} or cf:{id}, with the config's
// name for the id when known (cf:123(course)).
func fieldLabel(f amocrm.CustomFieldValue, fieldName func(int64) string) string {
	if f.FieldID == 0 {
		return "cf:" + f.FieldCode
	}
	label := "cf:" + strconv.FormatInt(f.FieldID, 10)
	if fieldName != nil {
		if n := fieldName(f.FieldID); n != "" {
			label += "(" + n + ")"
		}
	}
	return label
}

// matchField finds planned's field among actual's: by id when it has one,
// else by code.
func matchField(actual []amocrm.CustomFieldValue, planned amocrm.CustomFieldValue) *amocrm.CustomFieldValue {
	for i := range actual {
		if planned.FieldID != 0 && actual[i].FieldID == planned.FieldID ||
			planned.FieldID == 0 && planned.FieldCode != "" && strings.EqualFold(actual[i].FieldCode, planned.FieldCode) {
			return &actual[i]
		}
	}
	return nil
}

// sameValues reports whether every value planned sets is among actual's
// (the old system may have kept more, e.g. a second phone). A planned
// clear (no values) matches an absent or empty field.
func sameValues(planned amocrm.CustomFieldValue, actual *amocrm.CustomFieldValue) bool {
	if len(planned.Values) == 0 {
		return actual == nil || len(actual.Values) == 0
	}
	if actual == nil {
		return false
	}
	code := strings.ToUpper(planned.FieldCode)
	if code == "" {
		code = strings.ToUpper(actual.FieldCode)
	}
	for _, p := range planned.Values {
		if !slices.ContainsFunc(actual.Values, func(a amocrm.Value) bool { return sameValue(code, p, a) }) {
			return false
		}
	}
	return true
}

func sameValue(code string, p, a amocrm.Value) bool {
	if p.Value == nil && (p.EnumID != 0 || p.EnumCode != "") {
		return p.EnumID != 0 && p.EnumID == a.EnumID || p.EnumCode != "" && strings.EqualFold(p.EnumCode, a.EnumCode)
	}
	ps, as := p.String(), a.String()
	switch code {
	case "PHONE":
		return phone.Same(as, phone.Normalize(ps)) || sameText(ps, as)
	case "EMAIL":
		return strings.EqualFold(strings.TrimSpace(ps), strings.TrimSpace(as))
	}
	return sameText(ps, as)
}

// sameText compares texts as a person would read them: spaces and line
// breaks at the ends and runs of whitespace do not count.
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
