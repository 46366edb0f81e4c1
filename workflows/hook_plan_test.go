package workflows

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

// Settings as in config/example.yaml (the ids the plans use).
var (
	hookRetail = amoSettings{
		Account:       "retail",
		LeadFields:    map[string]int64{"type": 639075, "site": 639081, "page": 639083, "source": 639085, "roistat": 639073, "promocode": 725309, "result": 644675, "avito_course": 731115, "event_name": 725709, "event_address": 725711, "event_datetime": 724347},
		Pipelines:     map[string]int64{"free_events": 5055190, "trial_lesson": 4586602},
		Statuses:      map[string]int64{"send_to_corp": 35942104, "event_notified": 45469723, "trial_lesson_booked": 42430264},
		Tags:          map[string]int64{"Авито": 370175, "Ручная": 264383, "ДОД": 273459, "mzpo-s.ru": 246137},
		CompanyFields: map[string]int64{"inn": 644317},
	}
	hookCorp = amoSettings{
		Account:       "corp",
		Intake:        config.Stage{PipelineID: 5312269, StatusID: 47317618},
		LeadFields:    map[string]int64{"type": 748383, "site": 758213, "page": 758215, "source": 748385, "roistat": 758217, "promocode": 758643, "ret_id": 752191, "id_lead_ret": 759479, "lead_dog": 759477, "corp_man": 761425},
		Pipelines:     map[string]int64{"sales": 5312269, "contracts": 5238031},
		Statuses:      map[string]int64{"waiting_contract": 47337076, "sent_bill": 47317651, "contracts_new": 46783762},
		Users:         map[string]int64{"admin": 2375146, "contracts_responsible": 8127907},
		ManagerPool:   []int64{8628763, 2375116, 2375131},
		Tags:          map[string]int64{"Сделка из розницы": 1212821, "mzpo.education": 1187791, "mzpo-s.ru": 1187781},
		CompanyFields: map[string]int64{"inn": 69123},
	}
)

// TestHookChildInput: a 1C method's child takes the 1C flow's input, made
// from the event (change_resp's contract and responsible from its fields).
func TestHookChildInput(t *testing.T) {
	ev := HookEvent{Account: "retail", Method: "change_resp", ID: 31234567, Params: map[string]string{"uid": "c0a6-1", "resp": "Petrova"}}
	in := hookMethods["change_resp"].childInput(ev)
	if cr, ok := in.(ChangeResponsibleInput); !ok || cr.ContractUID != "c0a6-1" || cr.Resp != "Petrova" || cr.LeadID != 31234567 || cr.Account != "retail" {
		t.Fatalf("child input = %#v", in)
	}
	if in := hookMethods["savelead"].childInput(HookEvent{Account: "retail", ID: 5}); in != (Sync1COrderInput{Account: "retail", LeadID: 5}) {
		t.Fatalf("savelead child input = %#v", in)
	}
	if in := hookMethods["ret2corp"].childInput(ev); !reflect.DeepEqual(in, ev) {
		t.Fatalf("ret2corp child input = %#v, want the event", in)
	}
}

func TestCorpFieldsAndTagsByName(t *testing.T) {
	l := activities.LeadCard{Lead: activities.Lead{ID: 31234567, Fields: map[int64]string{639075: "Заявка", 639081: "mzpo-s.ru", 639083: " ", 644675: "not copied"},
		Tags: []activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}, {ID: 264383, Name: "Ручная"}, {ID: 1, Name: "сделка из розницы"}}}}
	fields := corpFields(l, hookRetail, hookCorp, 752191)
	want := []activities.FieldValues{textField(748383, "Заявка"), textField(758213, "mzpo-s.ru"), textField(752191, int64(31234567))}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields = %+v", fields)
	}
	tags := corpTags(l.Tags, hookCorp)
	wantTags := []activities.Tag{{ID: 1187781, Name: "mzpo-s.ru"}, {Name: "Ручная"}, {Name: "сделка из розницы"}, {ID: 1187791, Name: "mzpo.education"}}
	if !reflect.DeepEqual(tags, wantTags) {
		t.Fatalf("tags = %+v: retail ids never reach the corporate account; unknown names go by name", tags)
	}
}

func TestNotesPlans(t *testing.T) {
	notes := []activities.NoteCard{
		{ID: 3, Type: "common", Params: amocrm.NoteParams{Text: "second"}, CreatedAt: 20},
		{ID: 1, Type: "common", Params: amocrm.NoteParams{Text: "first"}, CreatedAt: 10},
		{ID: 4, Type: "common", Params: amocrm.NoteParams{Text: " "}, CreatedAt: 30},
	}
	if got := lastCommonText(notes); got != "second" {
		t.Fatalf("last comment = %q", got)
	}
	copies := commonCopies(notes, 99)
	if len(copies) != 2 || copies[0].Params.Text != "first" || copies[1].EntityID != 99 {
		t.Fatalf("copies = %+v", copies)
	}
	calls := []activities.NoteCard{
		{ID: 8, Type: "call_out", Params: amocrm.NoteParams{UniqID: "b", Phone: "+79161234567", Duration: 30, Link: "https://rec/b", CallResponsible: 5}, CreatedAt: 20},
		{ID: 7, Type: "call_in", Params: amocrm.NoteParams{UniqID: "a", Phone: "+79161234567", Duration: 60}, CreatedAt: 10},
	}
	got := callCopies(calls, 500, 2375116)
	if len(got) != 2 || got[0].Params.UniqID != "a" || got[0].Params.Link != "https://mzpo-s.ru" || got[0].Params.CallStatus != 4 ||
		got[1].Params.Link != "https://rec/b" || got[1].Params.CallResponsible != nil || got[1].EntityID != 500 || got[1].ResponsibleID != 2375116 {
		t.Fatalf("call copies = %+v", got)
	}
	have := []activities.NoteCard{{ID: 70, EntityID: 500, Type: "call_in", Params: got[0].Params}}
	if missing := missingNotes(got, have); len(missing) != 1 || missing[0].Params.UniqID != "b" {
		t.Fatalf("missing = %+v", missing)
	}
}

func TestClosePlan(t *testing.T) {
	ret := activities.LeadCard{Lead: activities.Lead{ID: 1, PipelineID: 3198184, StatusID: 32532883, Price: 100}}
	up, ok := closePlan(ret, activities.LeadCard{Lead: activities.Lead{Price: 5000}}, 142)
	if !ok || up.StatusID != 142 || up.PipelineID != 3198184 || up.Price != 5000 {
		t.Fatalf("plan = %+v", up)
	}
	ret.StatusID, ret.Price = 142, 5000
	if _, ok := closePlan(ret, activities.LeadCard{Lead: activities.Lead{Price: 5000}}, 142); ok {
		t.Fatal("already closed with that price: nothing to do")
	}
	if up, ok := closePlan(ret, activities.LeadCard{}, 143); !ok || up.StatusID != 143 || up.Price != 0 {
		t.Fatalf("lost, no corporate price: %+v", up)
	}
}

func TestAvitoPlanReplacesFieldsAndSwapsTags(t *testing.T) {
	ids := avitoIDs{Result: 644675, Site: 639081, Source: 639085, Type: 639075, Course: 731115}
	l := activities.LeadCard{Lead: activities.Lead{ID: 5, Fields: map[int64]string{731115: "Массаж", 639081: "old.site"},
		Tags: []activities.Tag{{ID: 264383, Name: "Ручная"}, {ID: 246137, Name: "mzpo-s.ru"}}}}
	up, ok := avitoPlan(l, ids, hookRetail)
	if !ok {
		t.Fatal("want an update")
	}
	want := []activities.FieldValues{
		textField(639075, "Заявка записаться на Массаж с Авито"), textField(639081, "Avito.ru"),
		textField(639085, "Avito.ru"), textField(644675, "Заявка с Авито"),
	}
	if !reflect.DeepEqual(up.Fields, want) {
		t.Fatalf("fields = %+v", up.Fields)
	}
	if !up.SetTags || !reflect.DeepEqual(up.Tags, []activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}, {ID: 370175, Name: "Авито"}}) {
		t.Fatalf("tags = %+v", up.Tags)
	}
	// The lead as it is after the update: nothing more to do.
	done := l
	done.Fields = map[int64]string{731115: "Массаж", 639075: "Заявка записаться на Массаж с Авито", 639081: "Avito.ru", 639085: "Avito.ru", 644675: "Заявка с Авито"}
	done.Tags = up.Tags
	if _, ok := avitoPlan(done, ids, hookRetail); ok {
		t.Fatal("an Avito lead is not written again")
	}
	// No tags at all (the old code crashed) and no course.
	bare := activities.LeadCard{Lead: activities.Lead{ID: 6}}
	up, _ = avitoPlan(bare, ids, hookRetail)
	if up.Fields[0].Values[0].Value != "Заявка с Авито" || len(up.Tags) != 1 {
		t.Fatalf("bare lead: %+v", up)
	}
}

func TestEventPlan(t *testing.T) {
	ids := eventIDs{Name: 725709, Address: 725711, DateTime: 724347}
	l := activities.LeadCard{Lead: activities.Lead{ID: 5, Name: "Новая сделка", PipelineID: 3198184, StatusID: 32532880,
		Fields: map[int64]string{725709: "ДОД МЦПО"}, Tags: []activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}}}}
	ev := activities.EventInfo{Found: true, PageName: "День открытых дверей в МЦПО", Address: "Москва", At: 1800000000}
	up, ok := eventPlan(l, ev, ids, hookRetail)
	if !ok || up.Name != "dod" || up.PipelineID != 5055190 || up.StatusID != 45469723 || !up.SetTags || len(up.Tags) != 2 || up.Tags[1].ID != 273459 {
		t.Fatalf("plan = %+v", up)
	}
	if len(up.Fields) != 3 || up.Fields[2].ID != 724347 {
		t.Fatalf("fields = %+v", up.Fields)
	}
	l.Fields[724347] = "1700000000" // a date already set is kept
	up, _ = eventPlan(l, ev, ids, hookRetail)
	for _, f := range up.Fields {
		if f.ID == 724347 {
			t.Fatal("the event date-time is written only when empty")
		}
	}
	for page, want := range map[string]string{
		"Встреча Международного клуба выпускников STYX": "МКБ", "STYX party": "STYX", "Morizo": "Morizo",
		"Пробный урок массажа": "Пробный урок", "Вебинар": "",
	} {
		k, _ := kindOf(page)
		if k.Name != want {
			t.Errorf("kindOf(%q) = %q, want %q", page, k.Name, want)
		}
	}
}

func TestNormalizedPhonesKeepsEveryValueAndEnum(t *testing.T) {
	in := []activities.FieldValue{
		{Value: "8 (916) 123-45-67", EnumID: 1, EnumCode: "WORK"},
		{Value: "+79035550101", EnumCode: "MOB"},
		{Value: "88005553535", EnumCode: "OTHER"},
		{Value: "доб. 12", EnumCode: "WORKDD"},
	}
	out, changed := normalizedPhones(in)
	want := []activities.FieldValue{
		{Value: "+79161234567", EnumID: 1, EnumCode: "WORK"},
		{Value: "+79035550101", EnumCode: "MOB"},
		{Value: "+78005553535", EnumCode: "OTHER"}, // not +7005553535 (docs/flows.md#editcontact)
		{Value: "доб. 12", EnumCode: "WORKDD"},
	}
	if !changed || !reflect.DeepEqual(out, want) {
		t.Fatalf("out = %+v %v", out, changed)
	}
	if in[0].Value != "8 (916) 123-45-67" {
		t.Fatal("the input was modified")
	}
	if _, again := normalizedPhones(out); again {
		t.Fatal("normalized phones must not be written again (webhook loop)")
	}
}

func TestFieldIntAndAgrFields(t *testing.T) {
	l := activities.LeadCard{Lead: activities.Lead{ID: 42, Fields: map[int64]string{752191: "31234567", 759477: "", 1: "1.5e+07", 2: "x"}}}
	if fieldInt(l, 752191) != 31234567 || fieldInt(l, 759477) != 0 || fieldInt(l, 1) != 15000000 || fieldInt(l, 2) != 0 {
		t.Fatal("fieldInt")
	}
	l.Values = []activities.FieldValues{
		{ID: 748383, Values: []activities.FieldValue{{Value: "Заявка"}}},
		{ID: 162301, Values: []activities.FieldValue{{EnumID: 5, Value: "МЦПО"}}},
		{ID: 752191, Values: []activities.FieldValue{{Value: float64(31234567)}}},
		{ID: 759479, Values: []activities.FieldValue{{Value: "stale"}}},
	}
	got := agrFields(l, []int64{759477, 752191}, 759479, 761425, "Алферова Лилия")
	want := []activities.FieldValues{l.Values[0], l.Values[1], textField(759479, int64(42)), textField(761425, "Алферова Лилия")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("agr fields = %+v", got)
	}
	if !strings.Contains(managerNoteText("X"), "Ответственный менеджер в корпорате: X") {
		t.Fatal(managerNoteText("X"))
	}
}

func TestOpenCorpLead(t *testing.T) {
	const sales = 5312269
	for _, c := range []struct {
		name  string
		leads []activities.Lead
		want  int64
	}{
		{"none", nil, 0},
		{"won and lost are closed", []activities.Lead{{ID: 1, PipelineID: sales, StatusID: 142}, {ID: 2, PipelineID: sales, StatusID: 143}}, 0},
		{"other pipelines do not count", []activities.Lead{{ID: 3, PipelineID: 5238031, StatusID: 46783762}, {ID: 4, PipelineID: 4697182, StatusID: 43009222}}, 0},
		{"the open sales lead", []activities.Lead{{ID: 1, PipelineID: sales, StatusID: 142, UpdatedAt: 9}, {ID: 5, PipelineID: sales, StatusID: 47317618, UpdatedAt: 1}}, 5},
		{"the most recently updated", []activities.Lead{{ID: 6, PipelineID: sales, StatusID: 47317618, UpdatedAt: 3}, {ID: 7, PipelineID: sales, StatusID: 47337076, UpdatedAt: 8}, {ID: 8, PipelineID: sales, StatusID: 47317651, UpdatedAt: 5}}, 7},
		{"ties: the higher id", []activities.Lead{{ID: 9, PipelineID: sales, StatusID: 1, UpdatedAt: 4}, {ID: 10, PipelineID: sales, StatusID: 1, UpdatedAt: 4}}, 10},
	} {
		got, ok := openCorpLead(c.leads, sales)
		if got.ID != c.want || ok != (c.want != 0) {
			t.Errorf("%s: %d %v, want %d", c.name, got.ID, ok, c.want)
		}
		slices.Reverse(c.leads)
		if again, _ := openCorpLead(c.leads, sales); again.ID != c.want {
			t.Errorf("%s: reversed order picked %d", c.name, again.ID)
		}
	}
	contacts := []activities.Contact{{ID: 1, LeadIDs: []int64{5}}, {ID: 2, LeadIDs: []int64{6, 7}}}
	if holderOf(contacts, 7) != 2 || holderOf(contacts, 8) != 0 {
		t.Error("holderOf")
	}
}

func TestSameCompany(t *testing.T) {
	inn := func(id int64, name, v string) activities.CompanyCard {
		return activities.CompanyCard{ID: id, Name: name, Values: []activities.FieldValues{{ID: 69123, Values: []activities.FieldValue{{Value: v}}}}}
	}
	retail := activities.CompanyCard{ID: 1, Name: " ООО Фирма ", Values: []activities.FieldValues{{ID: 644317, Values: []activities.FieldValue{{Value: "7701 234 567"}}}}}
	gotINN, gotName := companyKeys(retail, 644317)
	if gotINN != "7701234567" || gotName != "ООО Фирма" {
		t.Fatalf("keys = %q %q", gotINN, gotName)
	}
	if i, _ := companyKeys(retail, 0); i != "" {
		t.Error("no INN field configured: no INN")
	}
	for _, c := range []struct {
		name      string
		hits      []activities.CompanyCard
		inn, firm string
		want      int64
	}{
		{"by INN, the lowest id", []activities.CompanyCard{inn(9, "ООО Фирма", "77012345670"), inn(8, "Другая", "7701234567"), inn(7, "Фирма", "7701234567")}, "7701234567", "ООО Фирма", 7},
		{"an INN that only contains the digits is another company", []activities.CompanyCard{inn(9, "ООО Фирма", "77012345670")}, "7701234567", "ООО Фирма", 0},
		{"with an INN the name alone is not enough", []activities.CompanyCard{inn(9, "ООО Фирма", "")}, "7701234567", "ООО Фирма", 0},
		{"without an INN, the same name", []activities.CompanyCard{inn(9, "ООО Фирма и сыновья", ""), inn(6, "ооо фирма", "")}, "", "ООО Фирма", 6},
		{"nothing to compare", []activities.CompanyCard{inn(9, "", "")}, "", "", 0},
	} {
		got, ok := sameCompany(c.hits, c.inn, c.firm, 69123)
		if got.ID != c.want || ok != (c.want != 0) {
			t.Errorf("%s: %d %v, want %d", c.name, got.ID, ok, c.want)
		}
	}
}
