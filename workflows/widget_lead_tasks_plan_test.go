package workflows

import (
	"encoding/json"
	"reflect"
	"testing"

	"amoflow/activities"
)

func TestLeadTaskEntries(t *testing.T) {
	variants := []string{"Отправлено КП", "Взято в работу", "Получена оплата"}
	for _, tc := range []struct {
		name     string
		tasks    []activities.LeadTaskState
		variants []string
		want     string // the JSON the old endpoint answered
	}{
		{"none", nil, variants, `[]`},
		{"only completed", []activities.LeadTaskState{{ID: 1, Completed: true}}, variants, `[]`},
		{"open ones in order", []activities.LeadTaskState{{ID: 9}, {ID: 3, Completed: true}, {ID: 4}}, variants,
			`[{"task_id":9,"variants":["Отправлено КП","Взято в работу","Получена оплата"]},` +
				`{"task_id":4,"variants":["Отправлено КП","Взято в работу","Получена оплата"]}]`},
		{"a task on two pages once", []activities.LeadTaskState{{ID: 5}, {ID: 5}}, []string{"A"}, `[{"task_id":5,"variants":["A"]}]`},
		{"no variants configured", []activities.LeadTaskState{{ID: 5}}, nil, `[{"task_id":5,"variants":[]}]`},
	} {
		got, err := json.Marshal(leadTaskEntries(tc.tasks, tc.variants))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s (%v), want %s", tc.name, got, err, tc.want)
		}
	}
	// Each entry has its own copy: a caller changing one changes no other.
	out := leadTaskEntries([]activities.LeadTaskState{{ID: 1}, {ID: 2}}, variants)
	out[0].Variants[0] = "x"
	if out[1].Variants[0] != variants[0] || !reflect.DeepEqual(variants[:1], []string{"Отправлено КП"}) {
		t.Errorf("variants shared: %+v", out)
	}
}
