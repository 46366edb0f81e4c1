package starter

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"amoflow/config"
	"amoflow/mq"
	"amoflow/workflows"
)

// GET /wh/nightly (and /webhook/nightly): the old manual trigger of the
// ucheba.ru import stores an import of yesterday, in the schedule's zone,
// and answers 200 empty as before; off, or not stored, it says so.
func TestLegacyNightly(t *testing.T) {
	on := func(cfg *config.Config) {
		cfg.Ucheba = config.Ucheba{Enabled: true, Institution: 9915, Account: "retail",
			Schedule: config.UchebaSchedule{TimeZone: "Europe/Moscow"}}
	}
	for _, path := range []string{"/wh/nightly", "/webhook/nightly"} {
		e := legacyEnv(t, nil, on)
		e.now = time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC) // 00:30 on 2 December in Moscow
		checkAnswer(t, path, e.send("GET", path, "", ""), wantAnswer{200, ""})
		msgs := e.pub.published()
		if len(msgs) != 1 || msgs[0].Kind != mq.Kind1C || msgs[0].ID != "ucheba-import-2026-12-01" || msgs[0].Account != "retail" {
			t.Fatalf("%s stored %+v, want one 1c job ucheba-import-2026-12-01", path, msgs)
		}
		flow, in, err := workflows.DecodeOneCJob(msgs[0].Body)
		if err != nil || flow != workflows.UchebaImportName || in.(*workflows.UchebaImportInput).Day != "2026-12-01" {
			t.Errorf("%s: body decodes to %s %+v (%v)", path, flow, in, err)
		}
	}

	e := legacyEnv(t, nil, on)
	checkAnswer(t, "POST", e.send("POST", "/wh/nightly", "", ""), wantAnswer{405, "*"})
	e.pub.err = errors.New("broker down")
	if rec := e.send("GET", "/wh/nightly", "", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("not stored: %d, want 503", rec.Code)
	}
	e = legacyEnv(t, nil) // ucheba.enabled off
	rec := e.send("GET", "/wh/nightly", "", "")
	if rec.Code != http.StatusServiceUnavailable || len(e.pub.published()) != 0 {
		t.Errorf("import off: %d %q, %d stored; want 503 and nothing", rec.Code, rec.Body, len(e.pub.published()))
	}
}
