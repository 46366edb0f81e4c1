package amocrm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"amoflow/amofake"
	"amoflow/store"
	"amoflow/store/storetest"
)

// The multi-process tests re-run this test binary as helper processes; each
// opens its own pool and TokenSource, as separate workers would.
const (
	envHelper      = "AMOCRM_TEST_HELPER"
	envDB          = "AMOCRM_TEST_DB"
	envBaseURL     = "AMOCRM_TEST_BASE_URL"
	envBudget      = "AMOCRM_TEST_BUDGET" // rps of a shared Budget; empty: none
	envBudgetGuard = "AMOCRM_TEST_BUDGET_GUARD"

	helperProcesses  = 3
	helperGoroutines = 4
	helperCalls      = 3

	fakeSub   = "mzpoeducationsale"
	tokenCall = "POST /oauth2/access_token"
	usersCall = "GET /api/v4/users"
)

func fakeAccount(base string) Account {
	return Account{Name: "retail", BaseURL: base, ClientID: "cid", ClientSecret: "secret",
		RedirectURI: "https://example.com/oauth/callback"}
}

// TestHelperProcess is the body of a helper process, not a test. It says
// "ready", waits for a line on stdin so that all helpers start together,
// then lists users from several goroutines; any error fails it.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("helper process of the multi-process tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, os.Getenv(envDB))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acct := fakeAccount(os.Getenv(envBaseURL))
	opts := []Option{WithLimiter(rate.NewLimiter(rate.Inf, 1))}
	if rps, _ := strconv.ParseFloat(os.Getenv(envBudget), 64); rps > 0 {
		guard, _ := time.ParseDuration(os.Getenv(envBudgetGuard))
		opts = append(opts, WithBudget(NewBudget(db, acct.Name, rps, guard)))
	}
	c := New(acct, NewTokenSource(db, acct), opts...)
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range helperGoroutines {
		wg.Go(func() {
			for range helperCalls {
				if users, err := c.Users(ctx); err != nil || len(users) != 1 {
					t.Errorf("users: %d, %v", len(users), err)
				}
			}
		})
	}
	wg.Wait()
}

// TestRefreshAcrossProcesses starts three processes of four goroutines on a
// token that needs refreshing and checks that amoCRM sees one refresh.
func TestRefreshAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Run("expired", func(t *testing.T) {
		testRefreshAcrossProcesses(t, `UPDATE amo_tokens SET expires_at = now() - interval '1 minute'`)
	})
	t.Run("401", func(t *testing.T) {
		// The row still looks valid: every process learns from a 401.
		testRefreshAcrossProcesses(t, ``)
	})
}

// processFake is a fake amoCRM (429 past rps requests a second; negative:
// no limit) and a fresh database holding the account's first token pair,
// for the helper processes to share.
func processFake(t *testing.T, rps int) (*amofake.Server, string, *store.DB, Account) {
	t.Helper()
	fake := amofake.New(amofake.Config{RPS: rps, Accounts: []amofake.AccountConfig{{
		Subdomain: fakeSub, AccountID: 28395871, ClientID: "cid", ClientSecret: "secret",
		Users: []amofake.User{{ID: 2576764, Name: "Manager", Email: "m@example.com"}},
	}}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	dbURL := storetest.NewURL(t)
	db, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	acct := fakeAccount(srv.URL + "/" + fakeSub)
	if err := ExchangeCode(context.Background(), db, acct, "code-from-the-operator"); err != nil {
		t.Fatal(err)
	}
	return fake, dbURL, db, acct
}

func testRefreshAcrossProcesses(t *testing.T, prepare string) {
	ctx := context.Background()
	fake, dbURL, db, acct := processFake(t, -1)
	if prepare != "" {
		if _, err := db.Pool.Exec(ctx, prepare); err != nil {
			t.Fatal(err)
		}
	}
	fake.ExpireTokens(fakeSub)
	// Slow every answer a little so that the processes overlap.
	fake.SetFaults(fakeSub, amofake.Faults{Latency: 50 * time.Millisecond})
	fake.ResetCalls()

	runHelpers(t, dbURL, acct.BaseURL)

	if n := fake.CallCount(fakeSub, tokenCall); n != 1 {
		t.Errorf("%d refresh requests reached amoCRM, want 1", n)
	}
	ok := 0
	for _, c := range fake.Calls(fakeSub) {
		if c.Path == usersCall && c.Status == 200 {
			ok++
		}
	}
	if want := helperProcesses * helperGoroutines * helperCalls; ok != want {
		t.Errorf("%d successful API calls, want %d", ok, want)
	}
	r, err := db.Token(ctx, "retail")
	if err != nil || r.Version != 2 || r.NeedsReauth != "" {
		t.Fatalf("row version %d, needs_reauth %q, %v; want version 2, usable", r.Version, r.NeedsReauth, err)
	}

	// The stored pair is the one amoCRM issued last: its access token works
	// and its refresh token, one-time, is still accepted.
	fake.SetFaults(fakeSub, amofake.Faults{})
	fake.ResetCalls()
	ts := NewTokenSource(db, acct)
	c := New(acct, ts, WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	if _, err := c.Users(ctx); err != nil || fake.CallCount(fakeSub, tokenCall) != 0 {
		t.Fatalf("stored access token: %v (%d refreshes)", err, fake.CallCount(fakeSub, tokenCall))
	}
	cred, err := ts.Credential(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cred, err = ts.Renew(ctx, cred); err != nil || cred.Version != 3 {
		t.Fatalf("stored refresh token: %v, %v", cred, err)
	}
}

// runHelpers starts the helper processes, releases them together and
// fails the test if any of them failed.
func runHelpers(t *testing.T, dbURL, baseURL string, env ...string) {
	t.Helper()
	type helper struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
		rest  bytes.Buffer
	}
	var hs []*helper
	for range helperProcesses {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(append(os.Environ(), envHelper+"=1", envDB+"="+dbURL, envBaseURL+"="+baseURL), env...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
		cmd.Stderr = &h.rest
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		hs = append(hs, h)
	}
	for i, h := range hs {
		if line, err := h.out.ReadString('\n'); line != "ready\n" {
			t.Fatalf("helper %d: %q, %v", i, line, err)
		}
	}
	for _, h := range hs {
		io.WriteString(h.stdin, "go\n")
	}
	for i, h := range hs {
		_, _ = io.Copy(&h.rest, h.out)
		if err := h.cmd.Wait(); err != nil {
			t.Errorf("helper %d: %v\n%s", i, err, h.rest.String())
		}
	}
}
