package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/devserver"
	"amoflow/internal/testrig"
	"amoflow/workflows"
)

// TestNothingLostWhenEverythingDiesMidLoad keeps sites posting forms while
// RabbitMQ, Postgres, the workers, the bridge and the Temporal server each
// die and come back. Sites retry a form that was not accepted (5xx or no
// answer), as they must; every accepted form must end as exactly one lead.
func TestNothingLostWhenEverythingDiesMidLoad(t *testing.T) {
	testrig.NeedsServers(t, "PostgreSQL, RabbitMQ and Temporal")
	ctx := context.Background()
	// A Temporal of its own, on a file, so it can be stopped and started again.
	dbFile := filepath.Join(t.TempDir(), "temporal.db")
	temporalOpts := devserver.Options{DBFile: dbFile, UIPort: -1, SearchAttributes: workflows.SearchAttributeTypes}
	ts, err := devserver.Start(ctx, temporalOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ts.Stop() }()
	rabbit := newProxy(t, "127.0.0.1:5672")
	pg := newProxy(t, "127.0.0.1:5432")
	h := newHarness(t, func(cfg *config.Config) {
		cfg.Temporal.HostPort = ts.FrontendHostPort()
		cfg.RabbitMQ.URL = "amqp://guest:guest@" + rabbit.Addr() + "/"
		cfg.Postgres.URL = strings.Replace(cfg.Postgres.URL, "127.0.0.1:5432", pg.Addr(), 1)
	})

	// Sites: post forms until told to stop; keep the ids of accepted ones.
	var (
		mu       sync.Mutex
		accepted = map[string]bool{}
		refused  int
	)
	stop := make(chan struct{})
	var sites sync.WaitGroup
	sites.Add(1)
	go func() {
		defer sites.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			form := url.Values{"phone": {fmt.Sprintf("+7906111%04d", i)}, "comment": {"chaos " + h.cfg.Temporal.TaskQueue}}
			for { // a site retries until the form is accepted
				code, out := h.postForm(form)
				if code == http.StatusAccepted {
					mu.Lock()
					accepted[out["job_id"].(string)] = true
					mu.Unlock()
					break
				}
				mu.Lock()
				refused++
				mu.Unlock()
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()

	step := func(what string, outage time.Duration, down, up func()) {
		time.Sleep(1500 * time.Millisecond)
		t.Log("down:", what)
		down()
		time.Sleep(outage)
		up()
		t.Log("up:", what)
	}
	// Longer than a publish waits for the broker to come back (5 s), so
	// some forms are refused with 503 and must be sent again.
	step("RabbitMQ", 7*time.Second, rabbit.Cut, rabbit.Restore)
	step("Postgres", 2*time.Second, pg.Cut, pg.Restore)
	step("workers", 2*time.Second, h.killWorkers, h.startWorkers)
	step("bridge", 2*time.Second, h.killBridge, h.startBridge)
	step("Temporal", 2*time.Second, ts.Stop, func() {
		temporalOpts.FrontendPort = portOf(t, ts.FrontendHostPort())
		if ts, err = devserver.Start(ctx, temporalOpts); err != nil {
			t.Fatal(err)
		}
	})
	time.Sleep(time.Second)
	close(stop)
	sites.Wait()

	t.Logf("%d forms accepted, %d answers refused while something was down", len(accepted), refused)
	if refused == 0 {
		t.Error("no form was refused during the RabbitMQ outage: the outage did not happen")
	}
	for id := range accepted {
		st := h.waitJob(id, 3*time.Minute)
		if st.Status != "completed" {
			t.Errorf("job %s: %s %s", id, st.Status, st.Error)
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
	leads := h.fake.Leads(retail)
	if len(leads) != len(accepted) || len(perPhone) != len(accepted) {
		t.Fatalf("%d accepted forms became %d leads and %d distinct contacts", len(accepted), len(leads), len(perPhone))
	}
	for ph, n := range perPhone {
		if n != 1 {
			t.Errorf("phone %s has %d contacts", ph, n)
		}
	}
}

func portOf(t *testing.T, hostPort string) int {
	var port int
	if _, err := fmt.Sscanf(hostPort[strings.LastIndex(hostPort, ":")+1:], "%d", &port); err != nil {
		t.Fatal(err)
	}
	return port
}
