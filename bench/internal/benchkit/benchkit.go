// Package benchkit holds what the benchmarks under bench/ share: posting a
// request and reading its job id, waiting for a job's workflow, the size of
// a workflow's history, a seeded ret2corp webhook and the busiest window of
// a call log.
package benchkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/internal/testrig"
	"amoflow/store"
)

// Accepted posts an urlencoded body and returns the job id of the 202.
func Accepted(hc *http.Client, url, body string) (string, error) {
	resp, err := hc.Post(url, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a struct {
		JobID string `json:"job_id"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &a) != nil || a.JobID == "" {
		return "", fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return a.JobID, nil
}

// Wait waits for the job's workflow to end and returns its error and when it
// closed (Temporal's close time; zero if it could not be read). Until the
// bridge has started the workflow, Temporal does not know it.
func Wait(ctx context.Context, tc client.Client, id string) (closed time.Time, err error) {
	for {
		err = tc.GetWorkflow(ctx, id, "").Get(ctx, nil)
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			break
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	if d, derr := tc.DescribeWorkflowExecution(ctx, id, ""); derr == nil && d.WorkflowExecutionInfo.GetCloseTime() != nil {
		closed = d.WorkflowExecutionInfo.GetCloseTime().AsTime()
	}
	return closed, err
}

// History is one workflow's event count and encoded size, its children's
// added.
func History(ctx context.Context, tc client.Client, id string) (events, bytes int) {
	WalkHistory(ctx, tc, id, func(ev *historypb.HistoryEvent) {
		events++
		bytes += proto.Size(ev)
	})
	return
}

// WalkHistory calls f with every event of the workflow's history and of its
// children's, each child's after the event that started it.
func WalkHistory(ctx context.Context, tc client.Client, id string, f func(*historypb.HistoryEvent)) {
	it := tc.GetWorkflowHistory(ctx, id, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return
		}
		f(ev)
		if a := ev.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
			WalkHistory(ctx, tc, a.GetWorkflowExecution().GetWorkflowId(), f)
		}
	}
}

// Ret2CorpHook adds a retail client (phone n) with a lead in the stage that
// hands over to the corporate account and returns the ret2corp webhook body
// (4 retail and 6 corporate amoCRM requests).
func Ret2CorpHook(fake *amofake.Server, cfg *config.Config, n int, tag string) string {
	retail, _ := cfg.Account("retail")
	sub := retail.Subdomain
	contact := fake.AddContact(sub, amofake.Contact{Name: fmt.Sprintf("Клиент %d", n),
		CustomFields: []amofake.FieldValue{amofake.Phone(fmt.Sprintf("+7916%07d", 5_000_000+n)), amofake.Email(fmt.Sprintf("c%d-%s@corp.example", n, tag))}})
	lead := fake.AddLead(sub, amofake.Lead{Name: "Обучение сотрудников", PipelineID: 3198184, StatusID: 35942104, Price: 45000,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpo-s.ru"), amofake.Text(639081, "mzpo-s.ru")},
		ContactIDs:   []int64{contact}})
	return fmt.Sprintf("leads[status][0][id]=%d&leads[status][0][status_id]=%d&leads[status][0][pipeline_id]=%d&leads[status][0][old_status_id]=%d&leads[status][0][old_pipeline_id]=%d&account[id]=%d&account[subdomain]=%s",
		lead, 35942104, 3198184, 32532883, 3198184, retail.AccountID, sub)
}

// MaxInWindow is the most calls in any window [t, t+w) that starts at a
// call; ts must be sorted.
func MaxInWindow(ts []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// ProcCPU is a process's user+system CPU seconds so far (Linux /proc).
func ProcCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ on Linux
}

// PIDsNamed lists the processes whose command name (/proc/PID/comm) is name.
func PIDsNamed(name string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			pid, _ := strconv.Atoi(filepath.Base(d))
			pids = append(pids, pid)
		}
	}
	return pids
}

// WriteResults prints the Markdown summary and writes it as dir/name.md,
// with v as dir/name.json.
func WriteResults(dir, name, md string, v any) error {
	fmt.Print("\n", md)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(v, "", "  ")
	return os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644)
}

// ExchangeCodes stores a token of every configured account, from the fake
// amoCRM's code exchange.
func ExchangeCodes(ctx context.Context, db *store.DB, cfg *config.Config) error {
	for _, name := range cfg.AccountNames() {
		if err := amocrm.ExchangeCode(ctx, db, amocrm.AccountFromConfig(cfg.Accounts[name]), "bench-code"); err != nil {
			return err
		}
	}
	return nil
}

// Run is what every result file says of its run; reports embed it.
type Run struct {
	Command   string    `json:"command"`
	GoVersion string    `json:"go_version"`
	NumCPU    int       `json:"num_cpu"`
	Load1     float64   `json:"load1_at_start"`
	Load1End  float64   `json:"load1_at_end"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// StartRun records the command (go run ./bench/NAME and this process's
// arguments), the machine and the load average now.
func StartRun(name string) Run {
	return Run{Command: strings.TrimSpace("go run ./bench/" + name + " " + strings.Join(os.Args[1:], " ")),
		GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(), Load1: testrig.Load1(), Start: time.Now()}
}

// Finish records the end and the load average then.
func (r *Run) Finish() {
	r.End = time.Now()
	r.Load1End = testrig.Load1()
}

// Header is the run's line of a result file.
func (r *Run) Header() string {
	return fmt.Sprintf("Run %s – %s UTC, `%s`, %s, %d CPUs, load average (1 min) %.1f at start, %.1f at end.\n",
		r.Start.UTC().Format("2006-01-02 15:04"), r.End.UTC().Format("15:04"), r.Command, r.GoVersion, r.NumCPU, r.Load1, r.Load1End)
}
