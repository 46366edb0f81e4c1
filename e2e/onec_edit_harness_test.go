package e2e

import (
	"amoflow/amocrm"
	"amoflow/app"
)

// amo is an amoCRM client of the harness's fake, for a test that edits
// amoCRM as a manager would (through the API, so the fake validates it).
func (h *harness) amo(account string) *amocrm.Client {
	h.t.Helper()
	clients, err := app.AmoClients(h.cfg, h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	c, ok := clients[account]
	if !ok {
		h.t.Fatalf("no account %s", account)
	}
	return c
}
