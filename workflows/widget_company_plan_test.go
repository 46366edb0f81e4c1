package workflows

import (
	"reflect"
	"testing"

	"amoflow/activities"
	"amoflow/egrul"
)

func TestCompanyFill(t *testing.T) {
	ids := companyRegisterFields{"ogrn": 1, "kpp": 2, "email": 3, "address": 4}
	co := egrul.Company{INN: "7701234567", OGRN: "1027700132195", KPP: "770101001", Email: "info@r.example",
		ShortName: "ООО \"РОМАШКА\"", Address: "101000, Москва, Мясницкая ул 1"}
	for _, tc := range []struct {
		name       string
		rec        activities.AmoRecord
		co         egrul.Company
		wantName   string
		wantFields map[int64]string
		filled     []string
		wantEmails []string
	}{
		{"all empty", activities.AmoRecord{ID: 9, Name: "Ромашка"}, co, co.ShortName,
			map[int64]string{1: co.OGRN, 2: co.KPP, 4: co.Address}, []string{"name", "ogrn", "kpp", "email", "address"}, []string{co.Email}},
		{"filled fields kept", activities.AmoRecord{ID: 9, Name: co.ShortName, Fields: map[int64]string{2: "999", 3: "boss@r.example"}}, co, "",
			map[int64]string{1: co.OGRN, 4: co.Address}, []string{"ogrn", "address"}, nil},
		{"an email elsewhere in EMAIL counts", activities.AmoRecord{ID: 9, Name: co.ShortName, Fields: map[int64]string{1: "x", 2: "x", 4: "x"}, Emails: []string{"a@b.example"}}, co, "", nil, nil, nil},
		{"nothing to do", activities.AmoRecord{ID: 9, Name: co.ShortName, Fields: map[int64]string{1: "x", 2: "x", 3: "x", 4: "x"}}, co, "", nil, nil, nil},
		{"register without values", activities.AmoRecord{ID: 9, Name: "Ромашка"}, egrul.Company{INN: "7701234567", OGRN: " "}, "", nil, nil, nil},
		{"sole trader has no KPP", activities.AmoRecord{ID: 9, Name: "ИП"}, egrul.Company{INN: "500100732259", OGRN: "304500116000157", SoleTrader: true}, "",
			map[int64]string{1: "304500116000157"}, []string{"ogrn"}, nil},
	} {
		w, filled := companyFill(tc.rec, tc.co, ids)
		if w.ID != tc.rec.ID || w.Entity != "companies" || w.Name != tc.wantName || !reflect.DeepEqual(w.Fields, tc.wantFields) || !reflect.DeepEqual(filled, tc.filled) || !reflect.DeepEqual(w.Emails, tc.wantEmails) {
			t.Errorf("%s: %+v %v", tc.name, w, filled)
		}
	}
}
