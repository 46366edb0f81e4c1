package workflows

import (
	"reflect"
	"testing"

	"amoflow/activities"
	"amoflow/lk"
)

// lkContactFields are accounts.retail.contact_fields of config/example.yaml.
var lkContactFields = map[string]int64{"client_id_1c": 710429, "dob": 644285, "pass_serie": 715535, "pass_number": 715537,
	"pass_issued_by": 650841, "pass_issued_at": 718557, "pass_dpt_code": 710419, "snils": 724399, "address": 650843,
	"sex": 710417, "lk_flag": 726297, "lk_user_id": 726299}

func TestLKCourseOK(t *testing.T) {
	for _, c := range []struct {
		course  string
		courses []string
		want    bool
	}{
		{"ММЦ-И", []string{"ММЦ-И", "ПР"}, true},
		{" ПР ", []string{"ММЦ-И", "ПР"}, true},
		{"КОС", []string{"ММЦ-И", "ПР"}, false},
		{"", []string{"ММЦ-И"}, false},
		{"", nil, false},
		{"КОС", nil, true}, // an empty list takes every course
	} {
		if got := lkCourseOK(c.course, c.courses); got != c.want {
			t.Errorf("course %q in %v: %v, want %v", c.course, c.courses, got, c.want)
		}
	}
}

func TestLKContact(t *testing.T) {
	plain := activities.ContactFields{ID: 1}
	flagged := activities.ContactFields{ID: 2, Values: []activities.FieldValues{vals(726297, "", "1")}}
	if c, ok := lkContact([]activities.ContactFields{plain, flagged}, []int64{1, 2}, 726297); !ok || c.ID != 2 {
		t.Errorf("picked %d, want the flagged contact", c.ID)
	}
	if c, ok := lkContact([]activities.ContactFields{plain, {ID: 3}}, []int64{3, 1}, 726297); !ok || c.ID != 3 {
		t.Errorf("picked %d, want the lead's first contact", c.ID)
	}
	if _, ok := lkContact(nil, []int64{3}, 726297); ok {
		t.Error("no contact read: none picked")
	}
}

func TestLKStudent(t *testing.T) {
	c := activities.ContactFields{ID: 700, Name: "Иванова Анна", Values: []activities.FieldValues{
		vals(264913, "EMAIL", "anna@example.ru"), vals(264911, "PHONE", "+79161234567"),
		{ID: 644285, Values: []activities.FieldValue{{Value: float64(631141200)}}}, // 1990-01-01 00:00 MSK
		{ID: 718557, Values: []activities.FieldValue{{Value: "1262293200"}}},       // 2010-01-01 00:00 MSK
		vals(710417, "", "Ж"), vals(724399, "", "123-456-789 00"), vals(715535, "", "4510"), vals(715537, "", "123456"),
		vals(650841, "", "ОВД Тверской"), vals(710419, "", "770-001"), vals(650843, "", "Москва"), vals(710429, "", "guid-1"),
	}}
	want := lk.Student{Name: "Иванова Анна", Login: "anna@example.ru", Email: "anna@example.ru", Phone: "+79161234567",
		Birthday: "1990-01-01", Sex: "female", SNILS: "123-456-789 00", PassSeries: "4510", PassNumber: "123456",
		PassIssuedAt: "2010-01-01", PassIssuedBy: "ОВД Тверской", PassDptCode: "770-001", PassRegistration: "Москва",
		ID1C: "guid-1", AmoID: "700"}
	if got := lkStudent(c, lkContactFields); !reflect.DeepEqual(got, want) {
		t.Errorf("student = %+v\nwant %+v", got, want)
	}
	// Missing dates and sex stay empty (the predecessor sent 1970-01-01 and "female").
	got := lkStudent(activities.ContactFields{ID: 5}, lkContactFields)
	if got.Birthday != "" || got.PassIssuedAt != "" || got.Sex != "" || got.AmoID != "5" {
		t.Errorf("empty contact = %+v", got)
	}
	if s := lkStudent(activities.ContactFields{Values: []activities.FieldValues{vals(710417, "", "М")}}, lkContactFields); s.Sex != "male" {
		t.Errorf("sex М = %q", s.Sex)
	}
	if lkFailedNote(activities.LKAnswer{Email: "занято", Phone: ""}) != "Не удалось создать ЛК для клиента: занято " {
		t.Error("the failure note differs from the predecessor's")
	}
}
