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
	"strconv"
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"amoflow/amofake"
	"amoflow/config"
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
