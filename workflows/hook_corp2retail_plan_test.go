package workflows

import (
	"reflect"
	"testing"

	"amoflow/activities"
	"amoflow/amocrm"
)

// corp2retailRetail and corp2retailCorp are the ids the corp2retail plans use
// (config/example.yaml).
var (
	corp2retailRetail = amoSettings{Account: "retail",
		LeadFields: map[string]int64{"type": 639075, "site": 639081, "page": 639083, "source": 639085, "roistat": 639073, "corp_id": 724771},
		Tags:       map[string]int64{"Сделка из корп. отдела": 302489, "mzpo-s.ru": 246137}}
	corp2retailCorp = amoSettings{Account: "corp",
		LeadFields: map[string]int64{"type": 748383, "site": 758213, "page": 758215, "source": 748385, "roistat": 758217}}
)

func TestRetailFieldsAndTags(t *testing.T) {
	lead := activities.LeadCard{Lead: activities.Lead{ID: 900, Fields: map[int64]string{
		748383: "Заявка с сайта", 758213: "mzpo-s.ru", 758215: " ", 748385: "yandex", 752191: "5", // RET_ID is not copied
	}, Tags: []activities.Tag{{ID: 1187781, Name: "mzpo-s.ru"}, {ID: 1212825, Name: "Ручная"}, {Name: "сделка из корп. отдела"}}}}
	got := retailFields(lead, corp2retailCorp, corp2retailRetail, 724771)
	want := []activities.FieldValues{textField(639075, "Заявка с сайта"), textField(639081, "mzpo-s.ru"), textField(639085, "yandex"), textField(724771, int64(900))}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %+v\nwant %+v", got, want)
	}
	tags := retailTags(lead.Tags, corp2retailRetail)
	wantTags := []activities.Tag{{ID: 302489, Name: "Сделка из корп. отдела"}, {ID: 246137, Name: "mzpo-s.ru"}, {Name: "Ручная"}}
	if !reflect.DeepEqual(tags, wantTags) {
		t.Errorf("tags = %+v, want %+v (by name in retail, never a corporate id, each once)", tags, wantTags)
	}
}

func TestCorp2RetailComment(t *testing.T) {
	notes := []activities.NoteCard{
		{ID: 3, Type: amocrm.NoteCommon, CreatedAt: 20, Params: amocrm.NoteParams{Text: "Нужен договор"}},
		{ID: 1, Type: amocrm.NoteCommon, CreatedAt: 10, Params: amocrm.NoteParams{Text: "Перезвонить"}},
		{ID: 2, Type: amocrm.NoteCallIn, CreatedAt: 15, Params: amocrm.NoteParams{UniqID: "c"}},
		{ID: 4, Type: amocrm.NoteCommon, CreatedAt: 30, Params: amocrm.NoteParams{Text: "  "}},
	}
	if got := corp2retailComment("Заявка с сайта", notes); got != "Заявка с сайта\nПерезвонить\nНужен договор" {
		t.Errorf("comment = %q", got)
	}
	if got := corp2retailComment("", nil); got != "" {
		t.Errorf("nothing to say: %q", got)
	}
}

func TestCorpClosePlan(t *testing.T) {
	corp := activities.LeadCard{Lead: activities.Lead{ID: 5, PipelineID: 5238031, StatusID: 46783762}}
	up, ok := corpClosePlan(corp, statusWon)
	if !ok || !reflect.DeepEqual(up, activities.PatchLeadInput{ID: 5, PipelineID: 5238031, StatusID: statusWon}) {
		t.Errorf("plan = %+v %v: closed in its own pipeline", up, ok)
	}
	corp.StatusID = statusLost
	if _, ok := corpClosePlan(corp, statusLost); ok {
		t.Error("already lost: nothing to write")
	}
}
