package e2e

import (
	"net/http/httptest"
	"testing"

	"amoflow/amocrm"
	"amoflow/amofake"
	"amoflow/config"
	"amoflow/webinar"
	"amoflow/workflows"
)

// webinar_admission end to end, against the fake webinar.ru.

func TestWebhookWebinarAdmission(t *testing.T) {
	api := webinar.NewFake("e2e-webinar-token")
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	h := &hookHarness{harness: newHarness(t, func(cfg *config.Config) {
		cfg.Inbound.WebhookToken = hookToken
		cfg.Webinar = config.Webinar{BaseURL: srv.URL + "/v3", Token: "e2e-webinar-token"}
	})}
	session := freshID()
	api.Add(session, webinar.Participation{ID: 501, Visited: true}, webinar.Participation{ID: 502})
	field := func(id int64, v any) amofake.FieldValue {
		return amofake.FieldValue{FieldID: id, Values: []amofake.Value{{Value: v}}}
	}
	lead := func(pipeline, status, part int64) int64 {
		return h.fake.AddLead(retail, amofake.Lead{ID: freshID(), Name: "Вебинар", PipelineID: pipeline, StatusID: status,
			CustomFields: []amofake.FieldValue{field(725633, session), field(725635, part), field(725629, 1764687600)}})
	}
	came, missed := lead(4977523, 1, 501), lead(3199819, 32544562, 502)
	h.fake.ResetCalls()
	api.FailNext(1) // webinar.ru down for a moment: retried, not failed

	_, res := h.deliver("webinar_admission", stageHook(came, 4977523, 1, 2, retailID, retail))
	var r workflows.HookResult
	o := outcome(t, res, &r)
	h.recordHistory(o.JobID, "webinar_admission")
	if nr, _ := h.callLog("webinar_admission"); nr != 4 || api.Calls() != 2 || !r.Changed {
		t.Errorf("result %+v, %d retail calls, %d webinar.ru calls; want 4 and 2 (one failed)", r, nr, api.Calls())
	}
	l, _ := h.fake.Lead(retail, came)
	notes := notesOf(h.fake.Notes(retail, "leads"), came, amocrm.NoteCommon)
	if l.StatusID != 45252577 || len(notes) != 1 || notes[0].Params["text"] != "Слушатель присутствовал на вебинаре 02.12.2025 - 18:00" {
		t.Errorf("visited: status %d, notes %+v", l.StatusID, notes)
	}
	_, res = h.deliver("webinar_admission", stageHook(missed, 3199819, 32544562, 1, retailID, retail))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	l, _ = h.fake.Lead(retail, missed)
	notes = notesOf(h.fake.Notes(retail, "leads"), missed, amocrm.NoteCommon)
	if l.StatusID != 45252574 || len(notes) != 1 || notes[0].Params["text"] != "Слушатель не присутствовал на вебинаре 02.12.2025 - 18:00" {
		t.Errorf("missed: status %d, notes %+v", l.StatusID, notes)
	}
	// Checked again: nothing more.
	_, res = h.deliver("webinar_admission", stageHook(came, 4977523, 45252577, 1, retailID, retail))
	r = workflows.HookResult{}
	outcome(t, res, &r)
	if n := len(notesOf(h.fake.Notes(retail, "leads"), came, amocrm.NoteCommon)); n != 1 || r.Changed {
		t.Errorf("second check: %d notes, %+v", n, r)
	}
}
