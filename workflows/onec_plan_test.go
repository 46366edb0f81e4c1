package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/onec"
)

var priceTypes = config.PriceTypes{
	Distance:   "803fbc13-580c-11eb-86f0-82172a65f31e",
	Individual: "c0a6311b-8d63-11eb-891f-20040ffb909d",
	Default:    "5bba5dc4-580c-11eb-86f0-82172a65f31e",
	Fallback:   "9e633e6d-3d2d-11eb-86e1-82172a65f31e",
}

func prices(kv ...any) []onec.PriceItem {
	var out []onec.PriceItem
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, onec.PriceItem{UID: onec.GUID(kv[i].(string)), Price: onec.Number(kv[i+1].(int))})
	}
	return out
}

func TestCoursePrice(t *testing.T) {
	all := prices(priceTypes.Fallback, 6000, priceTypes.Default, 5500, priceTypes.Distance, 4000, priceTypes.Individual, 9000)
	for _, c := range []struct {
		short  string
		prices []onec.PriceItem
		types  config.PriceTypes
		want   int64
	}{
		{"ММЦ-И", all, priceTypes, 9000},
		{"ММЦ-Д", all, priceTypes, 4000},
		{"ПР", all, priceTypes, 5500},
		{"ММЦ-И", prices(priceTypes.Fallback, 6000, priceTypes.Individual, 0), priceTypes, 6000}, // 0 falls back
		{"ММЦ-И", prices(strings.ToUpper(priceTypes.Fallback), 6000), priceTypes, 6000},          // missing falls back; UIDs ignore case
		{"ПР", prices("aaaaaaaa-0000-0000-0000-000000000001", 100), priceTypes, 0},               // no known price
		{"ПР", prices("aaaaaaaa-0000-0000-0000-000000000001", 100), config.PriceTypes{}, 100},    // unconfigured: the first
	} {
		if got := CoursePrice(c.short, c.prices, c.types); got != c.want {
			t.Errorf("CoursePrice(%q, %v) = %d, want %d", c.short, c.prices, got, c.want)
		}
	}
}

func TestCourseName(t *testing.T) {
	for _, c := range [][3]string{
		{"Производственная практика 120/60", "ПР", "Производственная практика 120/60(ПР)"},
		{"Массаж", "ММЦ-И", "Массаж"},
		{"Маникюр", "МАС-1", "Маникюр(МАС-1)"},
		{"Косметология", "КОС-1", "Косметология(КОС-1)"},
		{"Маникюр(МАС-1)", "МАС-1", "Маникюр(МАС-1)"},
		{"Курс", "", "Курс"},
	} {
		if got := CourseName(c[0], c[1]); got != c[2] {
			t.Errorf("CourseName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestOrganizations(t *testing.T) {
	for amo, oneC := range map[string]string{"МЦПО": "НОЧУ ДПО МЦПО", "": "НОЧУ ДПО МЦПО", " ": "НОЧУ ДПО МЦПО", "ООО «МИРК»": "ООО «МИРК»"} {
		if got := orgFor1C(amo); got != oneC {
			t.Errorf("orgFor1C(%q) = %q, want %q", amo, got, oneC)
		}
	}
	if orgForAmo("НОЧУ ДПО МЦПО") != "МЦПО" || orgForAmo("ООО «МЦПО»") != "ООО «МЦПО»" {
		t.Error("orgForAmo")
	}
	if !ValidOrganization("ООО «Первый Профессиональный Институт Эстетики»") || ValidOrganization("ООО Рога") {
		t.Error("ValidOrganization")
	}
	s := onecSettings{Retail: "retail", Corporate: "corp", OrganizationAccounts: map[string]string{"ООО «Первый Профессиональный Институт Эстетики»": "ppie"}}
	for _, c := range []struct {
		app  onec.Application
		want string
	}{
		{onec.Application{Organization: "МЦПО"}, "retail"},
		{onec.Application{Organization: "МЦПО", IsCorporate: true}, "corp"},
		{onec.Application{Organization: "ООО «Первый Профессиональный Институт Эстетики»", IsCorporate: true}, "ppie"},
	} {
		if got := orderAccount(c.app, s); got != c.want {
			t.Errorf("orderAccount(%+v) = %q, want %q", c.app, got, c.want)
		}
	}
}

var testAccount = onecAccount{
	Name: "retail", AccountID: 28395871, CatalogID: 12463,
	LeadFields: map[string]int64{"lead_id_1c": 710399, "organization": 645965, "type": 639075, "source": 639085},
	ContactFields: map[string]int64{"client_id_1c": 710429, "dob": 644285, "pass_serie": 715535, "pass_number": 715537,
		"pass_issued_by": 650841, "pass_issued_at": 718557, "pass_dpt_code": 710419, "snils": 724399, "address": 650843},
	CompanyFields: map[string]int64{"company_id_1c": 710403, "inn": 644317, "address": 644313, "post_address": 644313},
	CatalogFields: map[string]int64{"product_id_1c": 710407, "short_name": 647993, "price": 647997, "duration": 715507},
}

func TestStudentFromContact(t *testing.T) {
	c := activities.AmoRecord{ID: 5, Name: " Иванова Мария ", Phones: []string{"8 (916) 123-45-67", "not a phone"},
		Emails: []string{"Maria@Example.RU"}, Fields: map[int64]string{
			710429: "not-a-guid", 644285: "637448400", 715535: "0412", 718557: "2010-05-20", 724399: "123-456-789 00"}}
	st := studentFromContact(c, testAccount)
	if st.ClientID != "" || st.Name != "Иванова Мария" || st.Phone != "+79161234567" || st.SecondPhone != "not a phone" ||
		st.Email != "maria@example.ru" || st.DOB.String() != "15.03.1990 0:00:00" || st.PassIssuedAt.String() != "20.05.2010 0:00:00" ||
		st.PassSerie != "0412" || st.AmoIDs[0] != (onec.AmoID{AccountID: 28395871, EntityID: 5}) {
		t.Errorf("student = %+v", st)
	}
}

func TestApplicationFor(t *testing.T) {
	lead := activities.AmoRecord{ID: 9, Price: 45000, Fields: map[int64]string{645965: "МЦПО", 639075: strings.Repeat("я", 300), 710399: "00000000-0000-0000-0000-000000000000"}}
	app := applicationFor(lead, testAccount, "c", "p", "c", false, "Алферова Лилия")
	if app.LeadID != "" || app.Organization != "НОЧУ ДПО МЦПО" || app.Price != 45000 || app.LeadStatus != "ВРаботе" ||
		len([]rune(app.MarketingChannel)) != 255 || app.Author != "Алферова Лилия" || app.CompanyID != app.ClientID {
		t.Errorf("application = %+v", app)
	}
}

func TestFieldsFrom1C(t *testing.T) {
	fields, dates := contactFrom1C(onec.Student{ClientID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", PassSerie: "4510", SNILS: " ",
		DOB: onec.Date(time.Date(1990, 3, 15, 0, 0, 0, 0, onec.Zone))}, testAccount)
	if len(fields) != 2 || fields[715535] != "4510" || dates[644285] != 637448400 || len(dates) != 1 {
		t.Errorf("contact fields %v dates %v", fields, dates)
	}
	co := companyFrom1C(onec.Partner{CompanyID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", INN: "7701234567",
		Address: "Москва, Ленина 1", PostAddress: "а/я 5"}, testAccount)
	if co[644313] != "Москва, Ленина 1" || co[644317] != "7701234567" || co[710403] == "" {
		t.Errorf("company fields %v (address must win a shared field)", co)
	}
	el := courseFields(onec.Course{ProductID: "df5f07f7-5821-11eb-86f0-82172a65f31e", ShortName: "ПР", Duration: 0}, testAccount, 5000)
	if el[647997] != "5000" || el[647993] != "ПР" || el[710407] == "" {
		t.Errorf("course fields %v", el)
	}
	if _, ok := el[715507]; ok {
		t.Error("a zero duration is written")
	}
}

func TestSmallDecisions(t *testing.T) {
	if got := groupTitle("ММЦ-12", onec.Date(time.Date(2025, 9, 1, 0, 0, 0, 0, onec.Zone)), "Петров Иван Сергеевич"); got != "ММЦ-12 01.09 Петров" {
		t.Errorf("groupTitle = %q", got)
	}
	if got := groupTitle("ММЦ-12", onec.DateTime{}, ""); got != "ММЦ-12" {
		t.Errorf("groupTitle without date = %q", got)
	}
	// 23:30 Moscow → noon tomorrow; 22:00 UTC is already tomorrow in Moscow.
	if got := dueTomorrow(time.Date(2025, 3, 1, 23, 30, 0, 0, onec.Zone), 12); got != time.Date(2025, 3, 2, 12, 0, 0, 0, onec.Zone).Unix() {
		t.Errorf("dueTomorrow late evening = %v", time.Unix(got, 0).In(onec.Zone))
	}
	if got := dueTomorrow(time.Date(2025, 3, 1, 22, 0, 0, 0, time.UTC), 12); got != time.Date(2025, 3, 3, 12, 0, 0, 0, onec.Zone).Unix() {
		t.Errorf("dueTomorrow after Moscow midnight = %v", time.Unix(got, 0).In(onec.Zone))
	}
	phones, added := mergeValues([]string{"+7 (916) 123-45-67"}, "89161234567", samePhone)
	if added || len(phones) != 1 {
		t.Errorf("the same phone was added: %v", phones)
	}
	if phones, added = mergeValues(phones, "+79030000001", samePhone); !added || len(phones) != 2 {
		t.Errorf("a new phone was not added: %v", phones)
	}
	hits := []activities.AmoRecord{{ID: 3, Fields: map[int64]string{1: "AC84A29C-A7F3-11EB-8921-20040FFB909D"}},
		{ID: 2, Fields: map[int64]string{1: "ac84a29c-a7f3-11eb-8921-20040ffb909d"}}, {ID: 1, Fields: map[int64]string{1: "other"}}}
	var ids []int64
	for _, h := range exactGUID(hits, 1, "ac84a29c-a7f3-11eb-8921-20040ffb909d") {
		ids = append(ids, h.ID)
	}
	if !slices.Equal(ids, []int64{2, 3}) {
		t.Errorf("exactGUID = %v, want [2 3]", ids)
	}
	near := []activities.AmoRecord{{ID: 1, Phones: []string{"+7 916 123-45-670"}}, {ID: 2, Phones: []string{"8 916 123 45 67"}}}
	if h, ok := verifiedHit(near, "+79161234567", ""); !ok || h.ID != 2 {
		t.Errorf("verifiedHit = %+v %v", h, ok)
	}
}
