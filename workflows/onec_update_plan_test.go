package workflows

import (
	"encoding/json"
	"reflect"
	"testing"

	"amoflow/onec"
)

func TestOverlayStudent(t *testing.T) {
	const retailID, corpID = 28395871, 19453687
	apps := []json.RawMessage{json.RawMessage(`{"x":1}`)}
	have := onec.Student{ClientID: clientGUID, Name: "Иванова Мария", Phone: "+79161234567", PassSerie: "0412", PassNumber: "111111",
		Address: "Москва", Applications: apps, AmoIDs: []onec.AmoID{{AccountID: corpID, EntityID: 7}, {AccountID: retailID, EntityID: 5}}}
	for _, c := range []struct {
		name string
		amo  onec.Student
		want func(onec.Student) onec.Student
	}{
		{"amoCRM's new passport number wins, 1C's applications stay",
			onec.Student{Name: "Иванова Мария", PassNumber: "222222", AmoIDs: []onec.AmoID{{AccountID: retailID, EntityID: 5}}},
			func(s onec.Student) onec.Student { s.PassNumber = "222222"; return s }},
		{"an empty amoCRM field leaves 1C's value",
			onec.Student{Name: "Иванова Мария", AmoIDs: []onec.AmoID{{AccountID: retailID, EntityID: 5}}},
			func(s onec.Student) onec.Student { return s }},
		{"a contact of the account not yet listed is added; the other account's kept",
			onec.Student{Name: "Иванова Мария Петровна", Email: "m@example.ru", AmoIDs: []onec.AmoID{{AccountID: retailID, EntityID: 9}}},
			func(s onec.Student) onec.Student {
				s.Name, s.Email = "Иванова Мария Петровна", "m@example.ru"
				s.AmoIDs = []onec.AmoID{{AccountID: corpID, EntityID: 7}, {AccountID: retailID, EntityID: 9}}
				return s
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := overlayStudent(have, c.amo, retailID)
			if want := c.want(have); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if unchanged(have, got) != reflect.DeepEqual(c.want(have), have) {
				t.Errorf("unchanged = %v", unchanged(have, got))
			}
		})
	}
}

func TestOverlayPartner(t *testing.T) {
	have := onec.Partner{CompanyID: clientGUID, Name: "ООО Ромашка", INN: "7701234567", BIK: "044525225", AccNo: "40702810900000000001"}
	got := overlayPartner(have, onec.Partner{Name: "ООО Ромашка", BIK: "044525999", AmoIDs: []onec.AmoID{{AccountID: 19453687, EntityID: 3}}}, 19453687)
	want := have
	want.BIK = "044525999"
	want.AmoIDs = []onec.AmoID{{AccountID: 19453687, EntityID: 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestOverlayLeadEdit(t *testing.T) {
	paid := []onec.Payment{{Amount: 1000}}
	have := onec.Application{LeadID: appGUID, ClientID: clientGUID, ProductID: productGUID, CompanyID: clientGUID, Price: 40000,
		LeadStatus: "Оплачена", Payments: paid, ResponsibleUser: "Старый", Organization: "ООО «МИРК»", MarketingSource: "yandex"}
	amo := onec.Application{ClientID: "x", ProductID: "y", Price: 45000, LeadStatus: onec.LeadStatusInWork, ResponsibleUser: "Новый",
		Organization: "НОЧУ ДПО МЦПО"}
	got := overlayLeadEdit(have, amo, false)
	want := have
	want.Price, want.ResponsibleUser, want.Organization = 45000, "Новый", "НОЧУ ДПО МЦПО"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("retail: got %+v\nwant %+v", got, want)
	}
	if got := overlayLeadEdit(onec.Application{LeadID: appGUID}, amo, true); !got.IsCorporate || got.LeadStatus != onec.LeadStatusInWork {
		t.Errorf("corporate: %+v", got)
	}
	if !unchanged(have, overlayLeadEdit(have, onec.Application{Price: 40000}, false)) {
		t.Error("an edit with 1C's own values counts as a change")
	}
}
