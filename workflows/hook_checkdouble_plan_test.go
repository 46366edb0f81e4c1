package workflows

import (
	"reflect"
	"testing"

	"amoflow/activities"
	"amoflow/amocrm"
)

var corpCompanyFields = map[string]int64{"phone": 33575, "email": 33577, "inn": 69123}

func vals(id int64, code string, v ...string) activities.FieldValues {
	f := activities.FieldValues{ID: id, Code: code}
	for _, x := range v {
		f.Values = append(f.Values, activities.FieldValue{Value: x})
	}
	return f
}

func TestDoubleChecks(t *testing.T) {
	co := activities.CompanyCard{ID: 1, Values: []activities.FieldValues{
		vals(33575, "PHONE", "8 (495) 123-45-67", "+7 495 123-45-67", "доб. 12"),
		vals(33577, "EMAIL", " Info@Firm.ru "),
		vals(69123, "", "7701 234567"),
		vals(69125, "", "770101001"), // KPP: not a criterion
	}}
	got := doubleChecks(co, corpCompanyFields)
	want := []doubleCheck{
		{FieldID: 33577, Kind: "email", Value: "Info@Firm.ru", Query: "info@firm.ru"},
		{FieldID: 33575, Kind: "phone", Value: "8 (495) 123-45-67", Query: "4951234567"},
		{FieldID: 69123, Kind: "inn", Value: "7701 234567", Query: "7701234567"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("checks = %+v\nwant %+v (each value once; no phone without a number)", got, want)
	}
	if got := doubleChecks(activities.CompanyCard{ID: 1}, corpCompanyFields); len(got) != 0 {
		t.Errorf("a company without the fields: %+v", got)
	}
}

func TestIsDouble(t *testing.T) {
	inn := doubleCheck{FieldID: 69123, Kind: "inn", Value: "7701234567", Query: "7701234567"}
	ph := doubleCheck{FieldID: 33575, Kind: "phone", Query: "4951234567"}
	for _, c := range []struct {
		name string
		hit  activities.CompanyCard
		chk  doubleCheck
		want bool
	}{
		{"another company with the INN", activities.CompanyCard{ID: 2, Values: []activities.FieldValues{vals(69123, "", "7701234567")}}, inn, true},
		{"the company itself", activities.CompanyCard{ID: 1, Values: []activities.FieldValues{vals(69123, "", "7701234567")}}, inn, false},
		{"a fuzzy hit: a longer INN", activities.CompanyCard{ID: 2, Values: []activities.FieldValues{vals(69123, "", "770123456789")}}, inn, false},
		{"the INN in another field", activities.CompanyCard{ID: 2, Values: []activities.FieldValues{vals(69125, "", "7701234567")}}, inn, false},
		{"the phone typed otherwise", activities.CompanyCard{ID: 3, Values: []activities.FieldValues{vals(33575, "PHONE", "+7(495)1234567")}}, ph, true},
	} {
		if got := isDouble(c.hit, 1, c.chk); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDoubleNoted(t *testing.T) {
	text := doubleNote([]string{"7701234567"})
	if text != "ВНИМАНИЕ! Проверьте компанию на дубли по следующим критериям: \n7701234567" {
		t.Errorf("note = %q", text)
	}
	older := activities.NoteCard{ID: 1, CreatedAt: 10, Params: amocrm.NoteParams{Text: text}}
	newer := activities.NoteCard{ID: 2, CreatedAt: 20, Params: amocrm.NoteParams{Text: doubleNote([]string{"info@firm.ru"})}}
	other := activities.NoteCard{ID: 3, CreatedAt: 30, Params: amocrm.NoteParams{Text: "Позвонить"}}
	for _, c := range []struct {
		name  string
		notes []activities.NoteCard
		want  bool
	}{
		{"no warning yet", []activities.NoteCard{other}, false},
		{"the latest warning says the same", []activities.NoteCard{older, other}, true},
		{"the latest warning lists other values", []activities.NoteCard{older, newer, other}, false},
	} {
		if got := doubleNoted(c.notes, text); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
