package workflows

import (
	"reflect"
	"testing"
	"time"

	"amoflow/activities"
	"amoflow/config"
)

func TestDashboardTally(t *testing.T) {
	leads := []activities.LeadFigure{
		{ID: 1, StatusID: 142, Price: 10000, ResponsibleID: 7},
		{ID: 2, StatusID: 142, Price: 20000, ResponsibleID: 8},
		{ID: 3, StatusID: 143, ResponsibleID: 7},
		{ID: 4, StatusID: 143, ResponsibleID: 7, Fields: map[int64]string{77: "Дубль"}},
		{ID: 5, StatusID: 555, ResponsibleID: 7}, // open
		{ID: 6, StatusID: 142, Price: 5000, ResponsibleID: 9},
	}
	base := config.Dashboard{Won: []int64{142}, Lost: []int64{143}}
	for _, tc := range []struct {
		name  string
		edit  func(*config.Dashboard)
		rows  []DashboardRow
		total DashboardRow
	}{
		{"conversion over everyone", func(d *config.Dashboard) { d.Kind = config.DashboardConversion }, nil,
			DashboardRow{Name: "Всего", Won: 3, Counted: 5, Sum: 35000, Value: 60}},
		{"skipped loss reasons and open leads", func(d *config.Dashboard) {
			d.Kind, d.SkipLossField, d.SkipLossValues, d.OpenCountsAsLost = config.DashboardConversion, 77, []string{"Дубль", "Спам"}, true
		}, nil, DashboardRow{Name: "Всего", Won: 3, Counted: 5, Sum: 35000, Value: 60}},
		{"per user, only the listed users", func(d *config.Dashboard) { d.Kind, d.Users = config.DashboardConversion, []int64{8, 7} },
			[]DashboardRow{{UserID: 8, Name: "Борис", Won: 1, Counted: 1, Sum: 20000, Value: 100}, {UserID: 7, Name: "Анна", Won: 1, Counted: 3, Sum: 10000, Value: 33.3}},
			DashboardRow{Name: "Всего", Won: 2, Counted: 4, Sum: 30000, Value: 50}},
		{"average bill", func(d *config.Dashboard) { d.Kind = config.DashboardAverageBill }, nil,
			DashboardRow{Name: "Всего", Won: 3, Counted: 5, Sum: 35000, Value: 11666.7}},
		{"a user without leads and without a name", func(d *config.Dashboard) { d.Kind, d.Users = config.DashboardAverageBill, []int64{42} },
			[]DashboardRow{{UserID: 42, Name: "42"}}, DashboardRow{Name: "Всего"}},
	} {
		d := base
		tc.edit(&d)
		tally := newDashboardTally(d)
		for _, l := range leads {
			tally.add(l)
		}
		rows, total := tally.result(map[int64]string{7: "Анна", 8: "Борис"}, "Всего")
		if !reflect.DeepEqual(rows, tc.rows) || total != tc.total {
			t.Errorf("%s:\n rows  %+v\n want  %+v\n total %+v\n want  %+v", tc.name, rows, tc.rows, total, tc.total)
		}
	}
}

func TestDashboardRange(t *testing.T) {
	from, to, err := dashboardRange("2025-03-01", "2025-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 2, 28, 21, 0, 0, 0, time.UTC).Unix(); from != want {
		t.Errorf("from %d, want %d (00:00 Moscow)", from, want)
	}
	if want := time.Date(2025, 3, 31, 20, 59, 59, 0, time.UTC).Unix(); to != want {
		t.Errorf("to %d, want %d (23:59:59 Moscow)", to, want)
	}
	for _, bad := range [][2]string{{"2025-03-02", "2025-03-01"}, {"01.03.2025", "2025-03-02"}, {"2025-03-01", "../x"}} {
		if _, _, err := dashboardRange(bad[0], bad[1]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestDashboardActiveTally(t *testing.T) {
	d := config.Dashboard{Kind: config.DashboardActive, Won: []int64{47317666}, Lost: []int64{143}, Users: []int64{7, 8}}
	tally := newDashboardTally(d)
	for _, l := range []activities.LeadFigure{
		{ID: 1, StatusID: 555, Price: 1000, ResponsibleID: 7},      // open
		{ID: 2, StatusID: 556, Price: 2000, ResponsibleID: 7},      // open
		{ID: 3, StatusID: 47317666, Price: 9000, ResponsibleID: 7}, // won (configured)
		{ID: 4, StatusID: 142, ResponsibleID: 8},                   // won (amoCRM's)
		{ID: 5, StatusID: 143, ResponsibleID: 8},                   // lost
		{ID: 6, StatusID: 555, ResponsibleID: 9},                   // not a listed user
	} {
		tally.add(l)
	}
	rows, total := tally.result(map[int64]string{7: "Киреева"}, "Всего")
	want := []DashboardRow{{UserID: 7, Name: "Киреева", Counted: 3, Open: 2, Sum: 3000, Value: 2}, {UserID: 8, Name: "8", Counted: 2}}
	if !reflect.DeepEqual(rows, want) || total != (DashboardRow{Name: "Всего", Counted: 5, Open: 2, Sum: 3000, Value: 2}) {
		t.Errorf("rows %+v\ntotal %+v", rows, total)
	}
}

func TestDashboardPaidTally(t *testing.T) {
	d := config.Dashboard{Kind: config.DashboardPaid, Pipelines: []int64{3198184}, Won: []int64{32533204, 32533201, 142}}
	from, to, _ := dashboardRange("2025-03-01", "2025-03-31")
	feb := time.Date(2025, 2, 10, 12, 0, 0, 0, moscow).Unix()
	// 2024-12-31 23:30 Moscow is still December there (20:30 UTC).
	dec := time.Date(2024, 12, 31, 23, 30, 0, 0, moscow).Unix()
	mar := time.Date(2025, 3, 5, 9, 0, 0, 0, moscow).Unix()
	tally := newPaidTally(d, from, to)
	for _, l := range []activities.LeadFigure{
		{ID: 1, PipelineID: 3198184, StatusID: 142, Price: 10000, CreatedAt: mar},     // period
		{ID: 2, PipelineID: 3198184, StatusID: 32533204, Price: 5000, CreatedAt: mar}, // period, payment stage
		{ID: 2, PipelineID: 3198184, StatusID: 32533204, Price: 5000, CreatedAt: mar}, // the same lead again
		{ID: 3, PipelineID: 3198184, StatusID: 32533201, Price: 7000, CreatedAt: feb}, // outside, February
		{ID: 4, PipelineID: 3198184, StatusID: 142, Price: 3000, CreatedAt: feb},      // outside, February
		{ID: 5, PipelineID: 3198184, StatusID: 142, Price: 1000, CreatedAt: dec},      // outside, December
		{ID: 6, PipelineID: 3198184, StatusID: 143, Price: 9999, CreatedAt: mar},      // lost since: not paid
		{ID: 7, PipelineID: 999, StatusID: 142, Price: 9999, CreatedAt: mar},          // another pipeline
		{ID: 8, PipelineID: 3198184, StatusID: 32532880, Price: 9999, CreatedAt: feb}, // back to an open stage
	} {
		tally.add(l)
	}
	rows, total := tally.result()
	want := []DashboardRow{
		{Name: "Период", Won: 2, Counted: 2, Sum: 15000, Value: 15000},
		{Name: "Внешние", Won: 3, Counted: 3, Sum: 11000, Value: 11000},
		{Name: "2025-02", Won: 2, Counted: 2, Sum: 10000, Value: 10000},
		{Name: "2024-12", Won: 1, Counted: 1, Sum: 1000, Value: 1000},
	}
	if !reflect.DeepEqual(rows, want) || total != (DashboardRow{Name: "Общий", Won: 5, Counted: 5, Sum: 26000, Value: 26000}) {
		t.Errorf("rows  %+v\nwant  %+v\ntotal %+v", rows, want, total)
	}
	if st := dashboardStages(d); len(st) != 3 || st[2] != (activities.LeadStage{PipelineID: 3198184, StatusID: 142}) {
		t.Errorf("stages %+v", st)
	}
}
