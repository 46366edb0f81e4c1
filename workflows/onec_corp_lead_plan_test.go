package workflows

import "testing"

func TestCorpLeadPlan(t *testing.T) {
	for _, tc := range []struct {
		inn, phone, email string
		want              bool
	}{
		{"7701234567", "+7 (916) 777-66-55", "", true},
		{"7701234567", "", "ivan@romashka.ru", true},
		{"7701234567", "12345", "", false}, // not a usable number
		{"", "+79167776655", "ivan@romashka.ru", false},
	} {
		if got := corpLeadComplete(tc.inn, tc.phone, tc.email); got != tc.want {
			t.Errorf("corpLeadComplete(%q, %q, %q) = %v, want %v", tc.inn, tc.phone, tc.email, got, tc.want)
		}
	}

	acct := onecAccount{DefaultResponsible: 2375146, CompanyFields: map[string]int64{"inn": 69123}, ContactFields: map[string]int64{"position": 7}}
	if got := corpLeadResponsible(acct, []int64{2375116, 2375131}, 2375131); got != 2375131 {
		t.Errorf("a listed manager = %d", got)
	}
	if got := corpLeadResponsible(acct, []int64{2375116}, 999); got != 2375146 {
		t.Errorf("an unlisted manager = %d, want the default responsible", got)
	}

	w := newCorpCompanyWrite(acct, "7701234567", "  ")
	if w.Name != "ИНН 7701234567" || w.Fields[69123] != "7701234567" || w.Probe.FieldID != 69123 || w.Probe.Value != "7701234567" {
		t.Errorf("company without a name = %+v", w)
	}
	if p := positionFields(acct, "  "); len(p) != 0 {
		t.Errorf("empty position = %v", p)
	}
	post := positionFields(acct, " Директор ")
	c := newCorpContactWrite(CorpLeadInput{Name: "Иван", Surname: "Петров", ManagerID: 5}, post, "", "ivan@romashka.ru", 42)
	if c.Fields[7] != "Директор" || c.CompanyID != 42 || c.Probe.Query != "ivan@romashka.ru" || len(c.Phones) != 0 || c.Emails[0] != "ivan@romashka.ru" {
		t.Errorf("contact without a phone = %+v", c)
	}
}
