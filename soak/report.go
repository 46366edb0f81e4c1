package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"

	"amoflow/amofake"
)

// report is what the soak measured.
type report struct {
	Command      string    `json:"command"`
	GoVersion    string    `json:"go_version"`
	NumCPU       int       `json:"num_cpu"`
	Load1        float64   `json:"load1_at_start"`
	Duration     string    `json:"traffic"`
	Rate         float64   `json:"rate"`
	RealRestarts bool      `json:"real_restarts"`
	Start        time.Time `json:"start"`
	TrafficEnd   time.Time `json:"traffic_end"`
	End          time.Time `json:"end"`

	Kinds           []*kindResult  `json:"kinds"`
	Sent            int            `json:"requests_sent"`
	Accepted        int            `json:"requests_accepted"`
	NotAccepted     int            `json:"requests_never_accepted"`
	Refused         int            `json:"answers_refused_then_resent"`
	Workflows       int            `json:"workflows"`
	ByStatus        map[string]int `json:"workflows_by_status"`
	Unfinished      int            `json:"accepted_jobs_unfinished"`
	BadEnd          []string       `json:"workflows_failed,omitempty"` // Failed, Terminated, TimedOut, Canceled
	Causes          map[string]int `json:"failure_causes,omitempty"`
	DeadLetters     int            `json:"dead_letters"`
	Queued          int            `json:"messages_left_queued"`
	AmoCalls        map[string]int `json:"amo_calls_by_status"`
	Faults          []*fault       `json:"faults"`
	OperatorActions []string       `json:"operator_actions"`
	Lost, Dup       int            `json:"-"`
	Silent          int            `json:"missing_job_completed"`
	Failures        []string       `json:"failures"`
}

// kindResult is the outcome of one kind of request.
type kindResult struct {
	Kind       string `json:"kind"`
	Accepted   int    `json:"accepted"`
	Expected   int    `json:"effects_expected"`
	Found      int    `json:"effects_found"` // exactly once
	Missing    int    `json:"missing"`
	Duplicated int    `json:"duplicated"`
	Silent     int    `json:"missing_job_completed"` // missing though the job says it completed
}

func (r *report) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(r.Failures) < 40 {
		r.Failures = append(r.Failures, msg)
	}
	log.Print("FAIL ", msg)
}

// check compares what was accepted with what the fakes hold and Temporal
// says, and measures each fault's recovery.
func (r *report) check(ctx context.Context, s *stack, jobs []job, wfs map[string]wfInfo, faults []*fault) bool {
	f := s.fake
	kinds := map[string]*kindResult{}
	for _, st := range streams {
		kinds[st.kind] = &kindResult{Kind: st.kind}
		r.Kinds = append(r.Kinds, kinds[st.kind])
	}
	accepted := map[string][]job{}
	for _, j := range jobs {
		r.Sent++
		r.Refused += j.Refused
		if j.ID == "" {
			r.NotAccepted++
			r.fail("%s %s never accepted (%d refusals)", j.Kind, j.Key, j.Refused)
			continue
		}
		r.Accepted++
		kinds[j.Kind].Accepted++
		accepted[j.Kind] = append(accepted[j.Kind], j)
		if w, ok := wfs[j.ID]; !ok || w.Close.IsZero() {
			r.Unfinished++
			r.fail("%s job %s accepted at %s never finished", j.Kind, j.ID, j.Accepted.Format("15:04:05"))
		}
	}
	// exactly counts one expected effect found n times.
	exactly := func(k *kindResult, j job, what string, n int) {
		k.Expected++
		switch {
		case n == 1:
			k.Found++
		case n == 0:
			k.Missing++
			r.Lost++
			st := strings.ToLower(strings.TrimPrefix(wfs[j.ID].Status.String(), "WORKFLOW_EXECUTION_STATUS_"))
			if wfs[j.ID].Status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				k.Silent++
				r.Silent++
				st = "completed: a SILENT loss"
			}
			r.fail("%s: %s missing (its job %s)", k.Kind, what, st)
		default:
			k.Duplicated++
			r.Dup++
			r.fail("%s: %s found %d times", k.Kind, what, n)
		}
	}

	// Forms: one contact and one lead per person, every form's comment once, on that lead.
	contactsByPhone := map[string][]int64{}
	for _, c := range f.Contacts(retail) {
		for _, fv := range c.CustomFields {
			if fv.FieldCode == "PHONE" {
				for _, v := range fv.Values {
					contactsByPhone[digits(fmt.Sprint(v.Value))] = append(contactsByPhone[digits(fmt.Sprint(v.Value))], c.ID)
				}
			}
		}
	}
	leadsOfContact := map[int64][]int64{}
	for _, l := range f.Leads(retail) {
		for _, c := range l.ContactIDs {
			leadsOfContact[c] = append(leadsOfContact[c], l.ID)
		}
	}
	notesByText := map[string][]amofake.Note{}
	for _, n := range f.Notes(retail, "leads") {
		text, _ := n.Params["text"].(string)
		notesByText[text] = append(notesByText[text], n)
	}
	persons := map[string]bool{}
	for _, j := range accepted[kindForm] {
		notes := notesByText[j.Comment]
		exactly(kinds[kindForm], j, "the note of form "+j.ID, len(notes))
		if len(notes) == 1 {
			leads := leadsOfContact[firstOr(contactsByPhone[digits(j.Key)], 0)]
			if !slices.Contains(leads, notes[0].EntityID) {
				r.fail("form %s: its note is on lead %d, not a lead of the person (%v)", j.ID, notes[0].EntityID, leads)
				r.Lost++
			}
		}
		if persons[j.Key] {
			continue
		}
		persons[j.Key] = true
		cs := contactsByPhone[digits(j.Key)]
		exactly(kinds[kindForm], j, "the contact of a form person", len(cs))
		var leads []int64
		for _, c := range cs {
			leads = append(leads, leadsOfContact[c]...)
		}
		exactly(kinds[kindForm], j, "the lead of a form person", len(leads))
	}

	// ret2corp: one corporate lead pointing back at the retail lead.
	corpByRetail := map[string]int{}
	for _, l := range f.Leads(corp) {
		if v := amofake.FirstValue(l.CustomFields, 752191); v != "" {
			corpByRetail[v]++
		}
	}
	for _, j := range accepted[kindRet2Cor] {
		exactly(kinds[kindRet2Cor], j, "the corporate lead of retail lead "+j.Key, corpByRetail[j.Key])
	}

	// Orders: one note "transferred to 1C" on the lead, one application in 1C.
	apps := s.onec.Objects("EditApplication")
	for _, j := range accepted[kindOrder] {
		n := 0
		for _, text := range notesOnLead(f, j.Key) {
			if strings.HasPrefix(text, "Сделка перенесена в 1С") {
				n++
			}
		}
		exactly(kinds[kindOrder], j, "the 1C transfer note on lead "+j.Key, n)
		n = 0
		for _, a := range apps {
			if strings.Contains(string(a), `"entity_id":`+j.Key) {
				n++
			}
		}
		exactly(kinds[kindOrder], j, "the 1C application of lead "+j.Key, n)
	}

	// Courses: one catalog element per account with the 1C GUID.
	byField := func(sub string, catalog, field int64) map[string]int {
		out := map[string]int{}
		for _, el := range f.CatalogElements(sub, catalog) {
			out[amofake.FirstValue(el.CustomFields, field)]++
		}
		return out
	}
	corpCourses, retailCourses := byField(corp, 5111, 751191), byField(retail, 12463, 710407)
	for _, j := range accepted[kindCourse] {
		exactly(kinds[kindCourse], j, "the corporate element of course "+j.Key, corpCourses[j.Key])
		exactly(kinds[kindCourse], j, "the retail element of course "+j.Key, retailCourses[j.Key])
	}

	// Clients: one contact per account with the 1C GUID.
	contactsWith := func(sub string, field int64) map[string]int {
		out := map[string]int{}
		for _, c := range f.Contacts(sub) {
			out[amofake.FirstValue(c.CustomFields, field)]++
		}
		return out
	}
	corpClients, retailClients := contactsWith(corp, 748405), contactsWith(retail, 710429)
	for _, j := range accepted[kindClient] {
		exactly(kinds[kindClient], j, "the corporate contact of client "+j.Key, corpClients[j.Key])
		exactly(kinds[kindClient], j, "the retail contact of client "+j.Key, retailClients[j.Key])
	}

	// Temporal: no workflow may end badly.
	r.ByStatus = map[string]int{}
	for id, w := range wfs {
		r.Workflows++
		st := strings.TrimPrefix(w.Status.String(), "WORKFLOW_EXECUTION_STATUS_")
		st = strings.ToLower(strings.TrimPrefix(st, "WorkflowExecutionStatus"))
		r.ByStatus[st]++
		switch w.Status {
		case enums.WORKFLOW_EXECUTION_STATUS_FAILED, enums.WORKFLOW_EXECUTION_STATUS_TERMINATED,
			enums.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, enums.WORKFLOW_EXECUTION_STATUS_CANCELED:
			r.BadEnd = append(r.BadEnd, fmt.Sprintf("%s %s %s", w.Type, id, st))
		}
	}
	slices.Sort(r.BadEnd)
	r.Causes = map[string]int{}
	for _, b := range r.BadEnd {
		id := strings.Fields(b)[1]
		cause := s.failure(ctx, id)
		r.Causes[cause]++
		r.fail("workflow ended badly: %s: %s", b, cause)
		// Blame the last fault that had started when it closed.
		var blame *fault
		for _, f := range faults {
			if !f.Start.IsZero() && !f.Start.After(wfs[id].Close) {
				blame = f
			}
		}
		if blame != nil {
			blame.Failed = append(blame.Failed, b)
		}
	}
	r.DeadLetters = s.deadLetters()
	r.Queued = s.queued()
	if r.DeadLetters != 0 {
		r.fail("%d dead letters", r.DeadLetters)
	}
	if r.Queued != 0 {
		r.fail("%d messages left in the work queues", r.Queued)
	}
	r.AmoCalls = map[string]int{}
	for _, sub := range []string{retail, corp} {
		for _, c := range f.Calls(sub) {
			r.AmoCalls[fmt.Sprint(c.Status)]++
		}
	}

	r.recovery(s, jobs, wfs, faults)
	return len(r.Failures) == 0
}

// recovery measures each fault from its end: the first success of its
// target (an amoCRM answer 2xx, a 1C answer 200, a job finished) and the
// moment the last job accepted before the end finished.
func (r *report) recovery(s *stack, jobs []job, wfs map[string]wfInfo, faults []*fault) {
	var amoOK, oneCOK, jobDone []time.Time
	for _, sub := range []string{retail, corp} {
		for _, c := range s.fake.Calls(sub) {
			if c.Status >= 200 && c.Status < 300 && strings.Contains(c.Path, " /api/") {
				amoOK = append(amoOK, c.Time)
			}
		}
	}
	for _, q := range s.onec.Requests() {
		if q.Status == http.StatusOK {
			oneCOK = append(oneCOK, q.Time)
		}
	}
	for _, w := range wfs {
		if w.Status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			jobDone = append(jobDone, w.Close)
		}
	}
	for _, f := range faults {
		r.Faults = append(r.Faults, f)
		if f.End.IsZero() {
			r.fail("fault %s did not run", f.Name)
			continue
		}
		ok := map[string][]time.Time{"amo": amoOK, "1c": oneCOK, "core": jobDone}[f.Target]
		first := time.Time{}
		for _, t := range ok {
			if !t.Before(f.End) && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
		if first.IsZero() {
			f.NoFirsOK = true
		} else {
			f.FirstOK = first.Sub(f.End).Round(100 * time.Millisecond)
		}
		var last time.Time
		for _, j := range jobs {
			if j.ID == "" || !j.Accepted.Before(f.End) {
				continue
			}
			w, ok := wfs[j.ID]
			if !ok || w.Close.IsZero() {
				f.Pending++
				continue
			}
			if g := heldByAnother(f, j.Kind, w.Close, faults); g != nil {
				if f.HeldBy == "" {
					f.HeldBy = g.Name
				} else if !strings.Contains(f.HeldBy, g.Name) {
					f.HeldBy += ", " + g.Name
				}
				continue
			}
			if w.Close.After(last) {
				last = w.Close
			}
		}
		if last.After(f.End) {
			f.Drained = last.Sub(f.End).Round(100 * time.Millisecond)
		}
		if f.Pending > 0 || f.NoFirsOK || len(f.Failed) > 0 {
			r.fail("fault %s: not recovered (%d jobs accepted before its end never finished, %d workflows failed)", f.Name, f.Pending, len(f.Failed))
		}
	}
}

// dependsOn is what each kind of job needs: orders also call 1C.
var dependsOn = map[string][]string{kindOrder: {"amo", "core", "1c"}}

// heldByAnother tells whether a job of kind that closed at closed was also
// held up by a fault other than f (which it returns): one it depends on, down at some moment
// between f's end and the close. Such a job measures that fault, not f.
func heldByAnother(f *fault, kind string, closed time.Time, faults []*fault) *fault {
	deps := dependsOn[kind]
	if deps == nil {
		deps = []string{"amo", "core"}
	}
	for _, g := range faults {
		if g == f || g.Start.IsZero() || !slices.Contains(deps, g.Target) {
			continue
		}
		if g.Start.Before(closed) && g.End.After(f.End) {
			return g
		}
	}
	return nil
}

func notesOnLead(f *amofake.Server, lead string) []string {
	var out []string
	for _, n := range f.Notes(retail, "leads") {
		if fmt.Sprint(n.EntityID) == lead {
			text, _ := n.Params["text"].(string)
			out = append(out, text)
		}
	}
	return out
}

// digits keeps the last 10 digits of a phone number.
func digits(s string) string {
	var b []byte
	for i := range len(s) {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	if len(b) > 10 {
		b = b[len(b)-10:]
	}
	return string(b)
}

func firstOr(ids []int64, def int64) int64 {
	if len(ids) == 0 {
		return def
	}
	return ids[0]
}

func (r *report) write(dir string) error {
	var b strings.Builder
	w := &b
	verdict := func(ok bool) string {
		if ok {
			return "**met**"
		}
		return "**missed**"
	}
	fmt.Fprintf(w, "## Fault-matrix soak\n\n")
	fmt.Fprintf(w, "Run %s – %s (traffic %s, rate ×%.2f), `%s`, %s, %d CPUs, load average (1 min) at start %.2f; RabbitMQ/Postgres restarts: %s.\n\n",
		r.Start.UTC().Format("2006-01-02 15:04 UTC"), r.End.UTC().Format("15:04"), r.Duration, r.Rate, r.Command, r.GoVersion, r.NumCPU, r.Load1,
		map[bool]string{false: "connections cut through a proxy", true: "real service restarts"}[r.RealRestarts])
	fmt.Fprintf(w, "| measure | value | target |\n|---|---:|---|\n")
	fmt.Fprintf(w, "| requests sent / accepted (202) | %d / %d | all accepted: %s |\n", r.Sent, r.Accepted, verdict(r.NotAccepted == 0))
	fmt.Fprintf(w, "| refused answers, resent by the sender | %d | |\n", r.Refused)
	exp, found := 0, 0
	for _, k := range r.Kinds {
		exp += k.Expected
		found += k.Found
	}
	fmt.Fprintf(w, "| effects expected / found exactly once | %d / %d | |\n", exp, found)
	fmt.Fprintf(w, "| lost (effect missing, or a job never finished) | %d | 0: %s |\n", r.Lost+r.Unfinished, verdict(r.Lost+r.Unfinished == 0))
	fmt.Fprintf(w, "| … of which silently (the job completed, the effect is missing) | %d | 0: %s |\n", r.Silent, verdict(r.Silent == 0))
	fmt.Fprintf(w, "| duplicated effects | %d | 0: %s |\n", r.Dup, verdict(r.Dup == 0))
	fmt.Fprintf(w, "| workflows (by status) | %d %v | |\n", r.Workflows, r.ByStatus)
	fmt.Fprintf(w, "| permanently failed workflows (failed, terminated, timed out, canceled) | %d | 0: %s |\n", len(r.BadEnd), verdict(len(r.BadEnd) == 0))
	fmt.Fprintf(w, "| dead letters / messages left queued | %d / %d | 0 / 0: %s |\n", r.DeadLetters, r.Queued, verdict(r.DeadLetters == 0 && r.Queued == 0))
	fmt.Fprintf(w, "| amoCRM answers by status (both accounts) | %v | |\n", r.AmoCalls)
	fmt.Fprintf(w, "| operator actions | %d | re-authorization only |\n", len(r.OperatorActions))

	fmt.Fprintf(w, "\n| kind | accepted | effects expected | found once | missing (job failed / completed) | duplicated |\n|---|---:|---:|---:|---:|---:|\n")
	for _, k := range r.Kinds {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d (%d / %d) | %d |\n", k.Kind, k.Accepted, k.Expected, k.Found, k.Missing, k.Missing-k.Silent, k.Silent, k.Duplicated)
	}

	fmt.Fprintf(w, "\n| fault | window (s from start) | first success after | backlog drained after | workflows failed | recovered | notes |\n|---|---|---:|---:|---:|---|---|\n")
	var worst time.Duration
	for _, f := range r.Faults {
		if f.End.IsZero() {
			fmt.Fprintf(w, "| %s | not run | | | | no | |\n", f.Name)
			continue
		}
		first := f.FirstOK.String()
		if f.NoFirsOK {
			first = "none"
		}
		rec := "yes"
		if f.Pending > 0 || f.NoFirsOK || len(f.Failed) > 0 {
			rec = fmt.Sprintf("**no** (%d unfinished, %d failed)", f.Pending, len(f.Failed))
		}
		worst = max(worst, f.Drained, f.FirstOK)
		drained := f.Drained.String()
		if f.HeldBy != "" {
			drained += ", the rest then held by: " + f.HeldBy
		}
		fmt.Fprintf(w, "| %s | %.0f–%.0f | %s | %s | %d | %s | %s |\n", f.Name, f.Start.Sub(r.Start).Seconds(), f.End.Sub(r.Start).Seconds(),
			first, drained, len(f.Failed), rec, strings.Join(f.Notes, "; "))
	}
	fmt.Fprintf(w, "\nLongest recovery: %s.\n", worst)
	if len(r.Causes) > 0 {
		fmt.Fprintf(w, "\nWhy workflows failed (innermost error, count):\n\n")
		causes := slices.Sorted(maps.Keys(r.Causes))
		slices.SortStableFunc(causes, func(a, b string) int { return r.Causes[b] - r.Causes[a] })
		for _, c := range causes {
			fmt.Fprintf(w, "- %d × %s\n", r.Causes[c], c)
		}
	}
	for _, a := range r.OperatorActions {
		fmt.Fprintf(w, "\nOperator: %s\n", a)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(w, "\nFailures (first %d):\n\n", len(r.Failures))
		for _, f := range r.Failures {
			fmt.Fprintf(w, "- %s\n", f)
		}
	} else {
		fmt.Fprintf(w, "\nEvery target met.\n")
	}
	fmt.Print("\n", b.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "soak.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(r, "", "  ")
	return os.WriteFile(filepath.Join(dir, "soak.json"), append(js, '\n'), 0o644)
}
