package report

import (
	"strings"
	"testing"

	"amoflow/amocrm"
)

func cf(id int64, code string, vals ...any) amocrm.CustomFieldValue {
	f := amocrm.CustomFieldValue{FieldID: id, FieldCode: code}
	for _, v := range vals {
		f.Values = append(f.Values, amocrm.Value{Value: v})
	}
	return f
}

func TestDiffRecords(t *testing.T) {
	base := func() *amocrm.Lead {
		return &amocrm.Lead{Name: "Заявка с сайта", StatusID: 10, PipelineID: 1, ResponsibleUserID: 7,
			CustomFieldsValues: amocrm.CustomFields{cf(100, "", "Курс массажа")},
			Embedded:           &amocrm.LeadEmbedded{Tags: []amocrm.Tag{{Name: "сайт"}}}}
	}
	names := func(id int64) string { return map[int64]string{100: "course"}[id] }
	for _, tc := range []struct {
		name    string
		planned func(*amocrm.Lead)
		actual  func(*amocrm.Lead)
		want    string // fields, comma-separated
		values  bool   // the first diff shows values
	}{
		{"same", nil, nil, "", false},
		{"actual holds more", nil, func(l *amocrm.Lead) {
			l.Price = 5000
			l.CustomFieldsValues = append(l.CustomFieldsValues, cf(200, "", "x"))
			l.Embedded.Tags = append(l.Embedded.Tags, amocrm.Tag{Name: "ещё"})
		}, "", false},
		{"whitespace does not count", nil, func(l *amocrm.Lead) { l.Name = " Заявка  с сайта\n" }, "", false},
		{"stage differs, values shown", nil, func(l *amocrm.Lead) { l.StatusID = 11 }, "status_id", true},
		{"name differs, value hidden", nil, func(l *amocrm.Lead) { l.Name = "Иванов" }, "name", false},
		{"custom field differs, named", nil, func(l *amocrm.Lead) { l.CustomFieldsValues[0] = cf(100, "", "Курс йоги") }, "cf:100(course)", false},
		{"custom field missing", nil, func(l *amocrm.Lead) { l.CustomFieldsValues = nil }, "cf:100(course)", false},
		{"tag missing", nil, func(l *amocrm.Lead) { l.Embedded.Tags = nil }, "tags", true},
		{"tag case", nil, func(l *amocrm.Lead) { l.Embedded.Tags = []amocrm.Tag{{Name: "САЙТ"}} }, "", false},
		{"planned zero is not compared", func(l *amocrm.Lead) { l.ResponsibleUserID = 0 }, func(l *amocrm.Lead) { l.ResponsibleUserID = 9 }, "", false},
		{"planned clear", func(l *amocrm.Lead) { l.CustomFieldsValues = amocrm.CustomFields{cf(100, "")} }, nil, "cf:100(course)", false},
		{"two fields", nil, func(l *amocrm.Lead) { l.PipelineID = 2; l.ResponsibleUserID = 8 }, "pipeline_id,responsible_user_id", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, a := base(), base()
			if tc.planned != nil {
				tc.planned(p)
			}
			if tc.actual != nil {
				tc.actual(a)
			}
			diffs := diffRecords("", leadRecord(p), leadRecord(a), names)
			var got []string
			for _, d := range diffs {
				got = append(got, d.Field)
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("fields %v, want %q", got, tc.want)
			}
			if len(diffs) > 0 && (diffs[0].Planned != "") != tc.values {
				t.Errorf("values shown: %+v", diffs[0])
			}
		})
	}
}

func TestContactFieldsByCode(t *testing.T) {
	planned := &amocrm.Contact{FirstName: "Мария", CustomFieldsValues: amocrm.CustomFields{
		cf(0, "PHONE", "+79161234567"), cf(0, "EMAIL", "Maria@Example.ru")}}
	for _, tc := range []struct {
		name   string
		actual amocrm.CustomFields
		want   string
	}{
		{"as stored by hand", amocrm.CustomFields{cf(31, "PHONE", "8 (916) 123-45-67", "+7 999 000-00-00"), cf(32, "EMAIL", "maria@example.ru")}, ""},
		{"other phone", amocrm.CustomFields{cf(31, "PHONE", "+7 916 000-00-00"), cf(32, "EMAIL", "maria@example.ru")}, "contact.cf:PHONE"},
		{"no email", amocrm.CustomFields{cf(31, "PHONE", "+79161234567")}, "contact.cf:EMAIL"},
	} {
		actual := &amocrm.Contact{FirstName: "Мария", CustomFieldsValues: tc.actual}
		var got []string
		for _, d := range diffRecords("contact.", contactRecord(planned), contactRecord(actual), nil) {
			got = append(got, d.Field)
			if d.Planned != "" || d.Actual != "" {
				t.Errorf("%s: a contact value is shown: %+v", tc.name, d)
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	rows := summarize([]Result{
		{Job: "j1", Flow: "CreateLeadFromForm", Outcome: Agree},
		{Job: "j1", Flow: "CreateLeadFromForm", Outcome: Agree},
		{Job: "j2", Flow: "CreateLeadFromForm", Outcome: Differ, Diffs: []Diff{{Field: "status_id"}, {Field: "tags"}}},
		{Job: "j3", Flow: "CreateLeadFromForm", Outcome: Missing, Diffs: []Diff{{Field: "lead"}}},
		{Job: "j4", Flow: "Sync1COrder", Outcome: NotCompared},
	})
	if len(rows) != 2 || rows[0].Flow != "CreateLeadFromForm" || rows[1].Flow != "Sync1COrder" {
		t.Fatalf("rows %+v", rows)
	}
	f := rows[0]
	if f.Jobs != 3 || f.Writes != 4 || f.Agree != 2 || f.Differ != 1 || f.Missing != 1 || f.Fields["status_id"] != 1 || f.Fields["lead"] != 1 {
		t.Errorf("row %+v", f)
	}
	if got := f.Agreement(); got != 0.5 {
		t.Errorf("agreement %v, want 0.5", got)
	}
	if rows[1].NotCompared != 1 || rows[1].Agreement() != 1 {
		t.Errorf("row %+v", rows[1])
	}
}
