package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/metrics"
)

// formStream posts a form every interval until stopped, as sites do,
// retrying one that was not accepted; it keeps the accepted job ids.
type formStream struct {
	mu       sync.Mutex
	accepted map[string]bool
	stop     chan struct{}
	done     sync.WaitGroup
}

func (h *harness) streamForms(tag string, interval time.Duration) *formStream {
	s := &formStream{accepted: map[string]bool{}, stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for i := 0; ; i++ {
			select {
			case <-s.stop:
				return
			case <-time.After(interval):
			}
			form := url.Values{"phone": {fmt.Sprintf("+7906222%04d", i)}, "comment": {tag + " " + h.cfg.Temporal.TaskQueue}}
			for {
				code, out := h.postForm(form)
				if code == http.StatusAccepted {
					s.mu.Lock()
					s.accepted[out["job_id"].(string)] = true
					s.mu.Unlock()
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	return s
}

func (s *formStream) end() []string {
	close(s.stop)
	s.done.Wait()
	var ids []string
	for id := range s.accepted {
		ids = append(ids, id)
	}
	return ids
}

// pausedJobs counts running jobs whose pending activity last failed with errType.
func (h *harness) pausedJobs(ids []string, errType string) int {
	n := 0
	for _, id := range ids {
		d, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
		if err != nil {
			continue
		}
		for _, pa := range d.GetPendingActivities() {
			if f := pa.GetLastFailure().GetApplicationFailureInfo(); f != nil && f.GetType() == errType {
				n++
				break
			}
		}
	}
	return n
}

// exactlyOneLeadEach checks that every accepted form completed and became
// exactly one lead of one contact.
func (h *harness) exactlyOneLeadEach(ids []string, within time.Duration) {
	h.t.Helper()
	for _, id := range ids {
		if st := h.waitJob(id, within); st.Status != "completed" {
			h.t.Errorf("job %s: %s %s", id, st.Status, st.Error)
		}
	}
	perPhone := map[string]int{}
	for _, c := range h.fake.Contacts(retail) {
		for _, f := range c.CustomFields {
			if f.FieldCode == "PHONE" {
				perPhone[fmt.Sprint(f.Values[0].Value)]++
			}
		}
	}
	if leads := h.fake.Leads(retail); len(leads) != len(ids) || len(perPhone) != len(ids) {
		h.t.Fatalf("%d accepted forms became %d leads and %d distinct contacts", len(ids), len(leads), len(perPhone))
	}
	for ph, n := range perPhone {
		if n != 1 {
			h.t.Errorf("phone %s has %d contacts", ph, n)
		}
	}
}

// TestLostRotationPausesThenResumes: during a stream of forms amoCRM issues
// a new pair but the answer never arrives. The old access token keeps the
// forms flowing until it expires; then the account pauses (nothing fails),
// and once the operator authorizes again every paused flow resumes by
// itself: every accepted form is exactly one lead.
func TestLostRotationPausesThenResumes(t *testing.T) {
	h := newHarness(t, func(cfg *config.Config) {
		cfg.AmoCRM = config.AmoCRM{RefreshFraction: 0.5, RefreshRetry: 300 * time.Millisecond, PauseRetry: time.Second}
	})
	acct := amocrm.AccountFromConfig(h.cfg.Accounts["retail"])
	// A pair that lives 8 s: the refresh is due after 4 s.
	tok := h.fake.IssueToken(retail, 8*time.Second)
	if _, err := h.db.PutToken(h.ctx, "retail", tok.AccessToken, tok.RefreshToken, time.Now().Add(8*time.Second)); err != nil {
		t.Fatal(err)
	}
	h.fake.SetFaults(retail, amofake.Faults{DropRefreshAnswer: 1})
	forms := h.streamForms("lost rotation", 250*time.Millisecond)

	// The rotation is lost and the grant found spent: marked, not failed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		row, err := h.db.Token(h.ctx, "retail")
		if err == nil && row.NeedsReauth != "" {
			t.Logf("marked: %s (old token expires %s)", row.NeedsReauth, time.Until(row.ExpiresAt).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the account was never marked for re-authorization: the lost rotation did not happen")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if left := h.fake.CurrentFaults(retail).DropRefreshAnswer; left != 0 {
		t.Fatalf("the refresh answer was not dropped (%d left)", left)
	}
	// Let the old token run out and the flows pause for a while.
	time.Sleep(8 * time.Second)
	ids := forms.end()
	if g := testutil.ToFloat64(metrics.AccountNeedsReauth.WithLabelValues("retail")); g != 1 {
		t.Errorf("amoflow_account_needs_reauth{account=retail} = %v, want 1", g)
	}
	paused := h.pausedJobs(ids, "AmoAccountPaused")
	if paused == 0 {
		t.Fatal("no flow is paused with AmoAccountPaused")
	}
	t.Logf("%d forms accepted, %d flows paused", len(ids), paused)

	// The operator authorizes again (what /oauth/callback and amoflow auth exchange do).
	if err := amocrm.ExchangeCode(h.ctx, h.db, acct, "operator-code"); err != nil {
		t.Fatal(err)
	}
	h.exactlyOneLeadEach(ids, time.Minute)
}

// TestBlockedAccountCoolsDownTogether: amoCRM blocks the account (403)
// during a stream of forms. The breaker stops the account's requests
// cluster-wide — one probe per cool-down — nothing fails, and when amoCRM
// answers again every accepted form becomes exactly one lead.
func TestBlockedAccountCoolsDownTogether(t *testing.T) {
	const cool = 2 * time.Second
	h := newHarness(t, func(cfg *config.Config) {
		cfg.AmoCRM = config.AmoCRM{BlockCooldown: cool}
	})
	forms := h.streamForms("blocked", 250*time.Millisecond)
	time.Sleep(2 * time.Second)
	h.fake.SetFaults(retail, amofake.Faults{Blocked: true})
	blockedAt := time.Now()
	const block = 8 * time.Second
	time.Sleep(block)
	if g := testutil.ToFloat64(metrics.AccountBlocked.WithLabelValues("retail")); g != 1 {
		t.Errorf("amoflow_account_blocked{account=retail} = %v, want 1", g)
	}
	ids := forms.end()
	paused := h.pausedJobs(ids, "AmoAccountBlocked")
	if paused == 0 {
		t.Fatal("no flow waits with AmoAccountBlocked")
	}
	forbidden := 0
	for _, c := range h.fake.Calls(retail) {
		if c.Status == http.StatusForbidden && !c.Time.Before(blockedAt) {
			forbidden++
		}
	}
	// The requests in flight when the block began, then one probe per
	// cool-down: far fewer than the forms' calls would have been.
	if max := 8 + int(block/cool); forbidden == 0 || forbidden > max {
		t.Fatalf("%d requests answered 403 during the %v block, want 1..%d", forbidden, block, max)
	}
	t.Logf("%d forms accepted, %d flows waiting, %d requests got 403", len(ids), paused, forbidden)
	h.fake.SetFaults(retail, amofake.Faults{})
	h.exactlyOneLeadEach(ids, time.Minute)
	if g := testutil.ToFloat64(metrics.AccountBlocked.WithLabelValues("retail")); g != 0 {
		t.Errorf("amoflow_account_blocked{account=retail} = %v after the block, want 0", g)
	}
}
