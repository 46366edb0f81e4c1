package workflows

import (
	"reflect"
	"testing"
	"time"

	"amoflow/ucheba"
)

func TestUchebaDay(t *testing.T) {
	for _, c := range []struct {
		name, asked string
		scheduled   time.Time
		zone, want  string
		fails       bool
	}{
		{"03:00 in Moscow is the day before", "", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), "Europe/Moscow", "2026-12-01", false},
		{"late UTC evening is already tomorrow in Moscow", "", time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), "Europe/Moscow", "2026-12-01", false},
		{"the same instant in UTC", "", time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), "UTC", "2026-11-30", false},
		{"across a year", "", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "Europe/Moscow", "2026-12-31", false},
		{"a day asked for wins", "2026-11-15", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), "Europe/Moscow", "2026-11-15", false},
		{"a day that is no date", "15.11.2026", time.Time{}, "Europe/Moscow", "", true},
		{"an unknown zone", "", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), "Mars/Olympus", "", true},
	} {
		got, err := UchebaDay(c.asked, c.scheduled, c.zone)
		if got != c.want || (err != nil) != c.fails {
			t.Errorf("%s: %q, %v; want %q (fails %v)", c.name, got, err, c.want, c.fails)
		}
	}
}

// uchebaLead is a lead whose latest request is of kind typ.
func uchebaLead(id, activity int64, name, phone, email, typ string) ucheba.Lead {
	a := &ucheba.Activity{ID: activity, Type: &ucheba.ActivityType{Value: typ}}
	switch typ {
	case ucheba.TypeLearningRequest:
		a.LearningRequest = &ucheba.LearningRequest{ID: activity, Program: &ucheba.Program{ID: 7, Name: " Медицинский массаж "}}
	case ucheba.TypeQuestion:
		a.Question = &ucheba.Question{ID: activity, Text: "Есть ли вечерние группы?"}
	}
	return ucheba.Lead{ID: id, Person: &ucheba.Person{ID: id, FullName: name, Phone: phone, Email: email}, LastActivity: a}
}

func TestUchebaForms(t *testing.T) {
	learn := uchebaLead(1, 101, " Анна ", "8 (916) 000-00-01", "", ucheba.TypeLearningRequest)
	ask := uchebaLead(2, 102, "Олег", "", "Oleg@Example.RU", ucheba.TypeQuestion)
	badEmail := uchebaLead(3, 103, "Ира", "+7 916 000 00 03", "not-an-address", ucheba.TypeQuestion)
	noName := uchebaLead(4, 104, " ", "+79160000004", "", ucheba.TypeQuestion)
	nobodyToCall := uchebaLead(5, 105, "Пётр", "12", "nope", ucheba.TypeQuestion)
	other := uchebaLead(6, 106, "Вера", "+79160000006", "", "open_day")
	noProgram := uchebaLead(7, 107, "Лев", "+79160000007", "", ucheba.TypeLearningRequest)
	noProgram.LastActivity.LearningRequest.Program = nil
	noActivity := ucheba.Lead{ID: 8, Person: &ucheba.Person{FullName: "Ян", Phone: "+79160000008"}}
	noPerson := uchebaLead(9, 109, "", "", "", ucheba.TypeQuestion)
	noPerson.Person = nil

	p := uchebaForms([]ucheba.Lead{learn, ask, badEmail, noName, nobodyToCall, other, noProgram, noActivity, noPerson, learn}, "retail", 9915)
	want := []FormInput{
		{JobID: "form-retail-ucheba-9915-101", Account: "retail", Fields: map[string]string{"name": "Анна", "phone": "8 (916) 000-00-01", "site": "ucheba.ru",
			"form_name_site": "Заявка с формы Запись на обучение с сайта ucheba.ru", "comment": "Заявка на обучение с сайта ucheba.ru по программе: Медицинский массаж"}},
		{JobID: "form-retail-ucheba-9915-102", Account: "retail", Fields: map[string]string{"name": "Олег", "email": "oleg@example.ru", "site": "ucheba.ru",
			"form_name_site": "Заявка с формы Вопрос с сайта ucheba.ru", "comment": "Вопрос с сайта ucheba.ru: Есть ли вечерние группы?"}},
		{JobID: "form-retail-ucheba-9915-103", Account: "retail", Fields: map[string]string{"name": "Ира", "phone": "+7 916 000 00 03", "email": "not-an-address",
			"site": "ucheba.ru", "form_name_site": "Заявка с формы Вопрос с сайта ucheba.ru", "comment": "Вопрос с сайта ucheba.ru: Есть ли вечерние группы?"}},
	}
	if !reflect.DeepEqual(p.Forms, want) {
		t.Errorf("forms:\n got %+v\nwant %+v", p.Forms, want)
	}
	if !reflect.DeepEqual(p.Unusable, []int64{4, 5, 9}) || !reflect.DeepEqual(p.Skipped, []int64{6, 7, 8}) || p.Duplicates != 1 {
		t.Errorf("unusable %v, skipped %v, duplicates %d; want [4 5 9], [6 7 8], 1", p.Unusable, p.Skipped, p.Duplicates)
	}
	if empty := uchebaForms(nil, "retail", 9915); len(empty.Forms)+len(empty.Unusable)+len(empty.Skipped)+empty.Duplicates != 0 {
		t.Errorf("an empty day: %+v", empty)
	}
}

func TestUchebaFresh(t *testing.T) {
	forms := []FormInput{{JobID: "a"}, {JobID: "b"}, {JobID: "c"}}
	fresh, recorded := uchebaFresh(forms, []string{"c", "a", "x"})
	if len(fresh) != 1 || fresh[0].JobID != "b" || !reflect.DeepEqual(recorded, []string{"a", "c"}) {
		t.Errorf("fresh %+v, recorded %v; want b, [a c]", fresh, recorded)
	}
	if fresh, recorded := uchebaFresh(forms, nil); len(fresh) != 3 || recorded != nil {
		t.Errorf("nothing recorded: %+v %v", fresh, recorded)
	}
}
