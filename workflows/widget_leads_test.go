package workflows

import (
	"reflect"
	"testing"

	"amoflow/activities"
)

func TestContactLeads(t *testing.T) {
	leads := []activities.AmoRecord{
		{ID: 3, Name: "Массаж", PipelineID: 10, StatusID: 101, Price: 15000, ResponsibleID: 7, Fields: map[int64]string{55: "Классический массаж"}},
		{ID: 1, Name: "Вебинар", PipelineID: 99, StatusID: 142, ResponsibleID: 7},
		{ID: 2, Name: "Допродажа", PipelineID: 20, StatusID: 142, Price: 900, ResponsibleID: 8},
	}
	pipes := []activities.WidgetPipeline{
		{ID: 10, Name: "Розница", Statuses: []activities.WidgetStatus{{ID: 101, Name: "Новая", Color: "#99ccff"}, {ID: 142, Name: "Успешно", Color: "#CCFF66"}}},
		{ID: 20, Name: "Допродажи", Statuses: []activities.WidgetStatus{{ID: 142, Name: "Оплачено", Color: "#CCFF66"}}},
	}
	users := []activities.AmoUser{{ID: 7, Name: "Анна"}}
	got := contactLeads([]int64{2, 3, 1, 404}, leads, pipes, users, []int64{10, 20}, 55)
	want := []WidgetLead{
		{ID: 2, Name: "Допродажа", Price: 900, Status: 142, StatusName: "Оплачено", StatusColor: "#CCFF66", Pipeline: "Допродажи", RespID: 8},
		{ID: 3, Name: "Массаж", Course: "Классический массаж", Price: 15000, Status: 101, StatusName: "Новая", StatusColor: "#99ccff", Pipeline: "Розница", Resp: "Анна", RespID: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if all := contactLeads([]int64{1, 2, 3}, leads, pipes, users, nil, 0); len(all) != 3 || all[2].Course != "" {
		t.Errorf("no pipeline filter: %+v", all)
	}
	if none := contactLeads(nil, nil, nil, nil, []int64{10}, 0); none == nil || len(none) != 0 {
		t.Errorf("no leads must be an empty list (JSON []), got %#v", none)
	}
}
