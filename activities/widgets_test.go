package activities

import (
	"context"
	"slices"
	"testing"
	"time"

	"amoflow/amocrm"
	"amoflow/amofake"
)

// The paid dashboard's reads against the fake amoCRM: the leads that
// entered a stage between two times (each once, another stage's entries
// left out), then those leads by id with their creation time.
func TestWidgetStageEntriesAndLeadsByID(t *testing.T) {
	c, fake := hookClient(t)
	ctx := context.Background()
	w := &Widgets{Clients: map[string]*amocrm.Client{"corp": c}}
	created := time.Now().Add(-48 * time.Hour).Unix()
	paid := fake.AddLead(hookSub, amofake.Lead{Name: "paid", PipelineID: 10, StatusID: 1, Price: 500, CreatedAt: created})
	twice := fake.AddLead(hookSub, amofake.Lead{Name: "paid twice", PipelineID: 10, StatusID: 1})
	lost := fake.AddLead(hookSub, amofake.Lead{Name: "lost", PipelineID: 10, StatusID: 1})
	start := time.Now().Unix() - 1
	for _, u := range []amocrm.Lead{{ID: paid, StatusID: 20}, {ID: twice, StatusID: 20}, {ID: lost, StatusID: 143}} {
		if _, err := c.UpdateLeads(ctx, []amocrm.Lead{u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.UpdateLeads(ctx, []amocrm.Lead{{ID: twice, StatusID: 142}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateLeads(ctx, []amocrm.Lead{{ID: twice, StatusID: 20}}); err != nil {
		t.Fatal(err)
	}
	in := StageEntriesInput{Account: "corp", Stages: []LeadStage{{PipelineID: 10, StatusID: 20}, {PipelineID: 10, StatusID: 142}},
		From: start, To: time.Now().Unix() + 1, Page: 1}
	got, err := w.WidgetStageEntries(ctx, in)
	if err != nil || got.More || len(got.LeadIDs) != 2 || !slices.Contains(got.LeadIDs, paid) || !slices.Contains(got.LeadIDs, twice) {
		t.Fatalf("entries %+v, %v: want %d and %d once each", got, err, paid, twice)
	}
	in.To = start - 1 // before any of them
	if got, err := w.WidgetStageEntries(ctx, in); err != nil || len(got.LeadIDs) != 0 {
		t.Errorf("an earlier range: %+v, %v", got, err)
	}
	page, err := w.WidgetLeadsPage(ctx, LeadsPageInput{Account: "corp", IDs: []int64{paid, lost}, Page: 1})
	if err != nil || len(page.Leads) != 2 {
		t.Fatalf("by id: %+v, %v", page, err)
	}
	for _, l := range page.Leads {
		if l.ID == paid && (l.CreatedAt != created || l.Price != 500 || l.StatusID != 20) {
			t.Errorf("lead %+v", l)
		}
	}
	// Updated in a range (the active dashboard's read): all three were just now.
	page, err = w.WidgetLeadsPage(ctx, LeadsPageInput{Account: "corp", UpdatedFrom: start, UpdatedTo: time.Now().Unix() + 1, Page: 1})
	if err != nil || len(page.Leads) != 3 {
		t.Errorf("updated in the range: %+v, %v", page, err)
	}
}
