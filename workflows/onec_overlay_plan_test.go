package workflows

import (
	"reflect"
	"testing"

	"amoflow/onec"
)

func TestOverlayApplication(t *testing.T) {
	const retailID, corpID = 28395871, 19453687
	paid := []onec.Payment{{Amount: 20000, ClientID: clientGUID}}
	amo := onec.Application{LeadID: appGUID, AmoIDs: []onec.AmoID{{AccountID: retailID, EntityID: 9}}, ClientID: clientGUID,
		ProductID: productGUID, CompanyID: clientGUID, Organization: "НОЧУ ДПО МЦПО", Price: 45000, LeadStatus: onec.LeadStatusInWork,
		Author: "Алферова Лилия", ResponsibleUser: "Алферова Лилия", MarketingChannel: "Заявка", MarketingSource: "yandex"}
	for _, c := range []struct {
		name string
		have onec.Application
		want func(onec.Application) onec.Application
	}{
		{"status and payments kept, amoCRM's fields overlaid",
			onec.Application{LeadID: appGUID, LeadStatus: "Оплачена", Payments: paid, Price: 40000, ResponsibleUser: "Старый",
				Organization: "ООО «МИРК»", Author: "Автор 1С", AmoIDs: []onec.AmoID{{AccountID: retailID, EntityID: 9}}},
			func(a onec.Application) onec.Application {
				a.LeadStatus, a.Payments, a.Author = "Оплачена", paid, "Автор 1С"
				return a
			}},
		{"an empty status becomes ВРаботе, no payments stay none",
			onec.Application{LeadID: appGUID},
			func(a onec.Application) onec.Application { return a }},
		{"the other account's amo_ids entry is kept",
			onec.Application{LeadID: appGUID, LeadStatus: "Договор", AmoIDs: []onec.AmoID{{AccountID: corpID, EntityID: 77}, {AccountID: retailID, EntityID: 1}}},
			func(a onec.Application) onec.Application {
				a.LeadStatus = "Договор"
				a.AmoIDs = []onec.AmoID{{AccountID: corpID, EntityID: 77}, {AccountID: retailID, EntityID: 9}}
				return a
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := overlayApplication(c.have, amo, retailID)
			if want := c.want(amo); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}
