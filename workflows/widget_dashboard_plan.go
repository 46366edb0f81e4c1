package workflows

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/config"
)

// DashboardRow is one line of a dashboard: a responsible user, or the total
// (UserID 0). Counted is the conversion's denominator (won included), the
// leads updated in the range for an active dashboard; Open the open ones
// among them; Value is the figure: a percentage, an average price, a sum
// (paid) or a number of leads (active).
type DashboardRow struct {
	UserID  int64   `json:"user_id,omitempty"`
	Name    string  `json:"name"`
	Won     int     `json:"won"`
	Counted int     `json:"counted"`
	Open    int     `json:"open,omitempty"`
	Sum     int64   `json:"sum"`
	Value   float64 `json:"value"`
}

// moscow is the accounts' time zone (UTC+3 all year since 2014): a
// dashboard's dates are Moscow calendar days.
var moscow = time.FixedZone("MSK", 3*60*60)

// dashboardRange turns two YYYY-MM-DD dates into the Unix seconds of the
// first and the last second of that span of Moscow days.
func dashboardRange(from, to string) (int64, int64, error) {
	f, err := time.ParseInLocation(time.DateOnly, from, moscow)
	if err != nil {
		return 0, 0, fmt.Errorf("date_from %q: %v", from, err)
	}
	t, err := time.ParseInLocation(time.DateOnly, to, moscow)
	if err != nil {
		return 0, 0, fmt.Errorf("date_to %q: %v", to, err)
	}
	if t.Before(f) {
		return 0, 0, fmt.Errorf("date_to %s is before date_from %s", to, from)
	}
	return f.Unix(), t.AddDate(0, 0, 1).Unix() - 1, nil
}

// dashboardTally counts leads for one dashboard, page by page.
type dashboardTally struct {
	d     config.Dashboard
	rows  map[int64]*DashboardRow // by user, when the dashboard lists users
	total DashboardRow
}

func newDashboardTally(d config.Dashboard) *dashboardTally {
	t := &dashboardTally{d: d, rows: map[int64]*DashboardRow{}}
	for _, u := range d.Users {
		t.rows[u] = &DashboardRow{UserID: u}
	}
	return t
}

// add counts one lead: won leads (and their price) always; lost leads
// unless their loss reason is skipped; open leads when they count as lost.
// With users listed, only their leads are counted.
func (t *dashboardTally) add(l activities.LeadFigure) {
	var row *DashboardRow
	if len(t.d.Users) > 0 {
		if row = t.rows[l.ResponsibleID]; row == nil {
			return
		}
	}
	if t.d.Kind == config.DashboardActive {
		t.addActive(row, l)
		return
	}
	won := slices.Contains(t.d.Won, l.StatusID)
	lost := slices.Contains(t.d.Lost, l.StatusID)
	switch {
	case won:
	case lost && t.d.SkipLossField != 0 && slices.Contains(t.d.SkipLossValues, l.Fields[t.d.SkipLossField]):
		return
	case lost, t.d.OpenCountsAsLost:
	default:
		return
	}
	for _, r := range []*DashboardRow{row, &t.total} {
		if r == nil {
			continue
		}
		r.Counted++
		if won {
			r.Won++
			r.Sum += l.Price
		}
	}
}

// addActive counts a lead updated in the range for an active dashboard:
// open unless its stage is won or lost (the configured ones, 142, 143).
func (t *dashboardTally) addActive(row *DashboardRow, l activities.LeadFigure) {
	closed := l.StatusID == amocrm.StatusWon || l.StatusID == amocrm.StatusLost ||
		slices.Contains(t.d.Won, l.StatusID) || slices.Contains(t.d.Lost, l.StatusID)
	for _, r := range []*DashboardRow{row, &t.total} {
		if r == nil {
			continue
		}
		r.Counted++
		if !closed {
			r.Open++
			r.Sum += l.Price
		}
	}
}

// result is the rows in the configured user order with their names, then
// the total row named total.
func (t *dashboardTally) result(names map[int64]string, total string) ([]DashboardRow, DashboardRow) {
	var rows []DashboardRow
	for _, u := range t.d.Users {
		r := *t.rows[u]
		r.Name = names[u]
		if r.Name == "" {
			r.Name = fmt.Sprint(u)
		}
		r.Value = dashboardValue(t.d.Kind, r)
		rows = append(rows, r)
	}
	tot := t.total
	tot.Name = total
	tot.Value = dashboardValue(t.d.Kind, tot)
	return rows, tot
}

// dashboardValue is a row's figure, to one decimal; 0 with nothing counted.
func dashboardValue(kind string, r DashboardRow) float64 {
	var v float64
	switch {
	case kind == config.DashboardAverageBill && r.Won > 0:
		v = float64(r.Sum) / float64(r.Won)
	case kind == config.DashboardConversion && r.Counted > 0:
		v = float64(r.Won) / float64(r.Counted) * 100
	case kind == config.DashboardActive:
		v = float64(r.Open)
	case kind == config.DashboardPaid:
		v = float64(r.Sum)
	}
	return math.Round(v*10) / 10
}

// dashboardStages are the stages a paid dashboard counts: each Won status
// in each of its pipelines.
func dashboardStages(d config.Dashboard) []activities.LeadStage {
	var out []activities.LeadStage
	for _, p := range d.Pipelines {
		for _, st := range d.Won {
			out = append(out, activities.LeadStage{PipelineID: p, StatusID: st})
		}
	}
	return out
}

// paidTally counts a paid dashboard (the old success.php): the leads that
// entered a paid (Won) stage of its pipelines in the range and are in one
// still, once each, as "Период" when created in the range too and as
// "Внешние" otherwise, those also by the month they were created in.
type paidTally struct {
	d        config.Dashboard
	from, to int64 // the range, Unix seconds
	seen     map[int64]bool
	period   DashboardRow
	outside  DashboardRow
	months   map[string]*DashboardRow
}

func newPaidTally(d config.Dashboard, from, to int64) *paidTally {
	return &paidTally{d: d, from: from, to: to, seen: map[int64]bool{}, months: map[string]*DashboardRow{},
		period: DashboardRow{Name: "Период"}, outside: DashboardRow{Name: "Внешние"}}
}

// add counts one lead read after its stage entry.
func (t *paidTally) add(l activities.LeadFigure) {
	if t.seen[l.ID] || !slices.Contains(t.d.Pipelines, l.PipelineID) || !slices.Contains(t.d.Won, l.StatusID) {
		return
	}
	t.seen[l.ID] = true
	row := &t.period
	if l.CreatedAt < t.from || l.CreatedAt > t.to {
		t.outside.Won++
		t.outside.Sum += l.Price
		month := time.Unix(l.CreatedAt, 0).In(moscow).Format("2006-01")
		if t.months[month] == nil {
			t.months[month] = &DashboardRow{Name: month}
		}
		row = t.months[month]
	}
	row.Won++
	row.Sum += l.Price
}

// result is Период, Внешние and the months, newest first, then the total
// ("Общий"); each row's figure is its sum.
func (t *paidTally) result() ([]DashboardRow, DashboardRow) {
	rows := []DashboardRow{t.period, t.outside}
	for _, m := range slices.Backward(slices.Sorted(maps.Keys(t.months))) {
		rows = append(rows, *t.months[m])
	}
	total := DashboardRow{Name: "Общий", Won: t.period.Won + t.outside.Won, Sum: t.period.Sum + t.outside.Sum}
	for i := range rows {
		rows[i].Counted = rows[i].Won
		rows[i].Value = dashboardValue(config.DashboardPaid, rows[i])
	}
	total.Counted, total.Value = total.Won, dashboardValue(config.DashboardPaid, total)
	return rows, total
}
