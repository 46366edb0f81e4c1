package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"amoflow/amocrm"
	"amoflow/config"
	"amoflow/onec"
	"amoflow/seal"
	"amoflow/shadow"
	"amoflow/shadow/report"
	"amoflow/store"
	"amoflow/workflows"
)

// ShadowRing is the key ring that seals planned writes at rest: the token
// keys' (token_keys, token_key); nil without one.
func ShadowRing(cfg *config.Config) (*seal.Ring, error) {
	key, err := TokenKey(cfg)
	if err != nil {
		return nil, err
	}
	return key.Ring(), nil
}

// ShadowRecorder stores the writes planned in shadow mode (README "Shadow mode").
func ShadowRecorder(cfg *config.Config, db *store.DB) (*shadow.Recorder, error) {
	ring, err := ShadowRing(cfg)
	if err != nil {
		return nil, err
	}
	return &shadow.Recorder{DB: db, Ring: ring, Retention: cfg.Shadow.Retention, Log: slog.Default()}, nil
}

// checkShadowFlows refuses a shadow_flows entry that names no flow: a typo
// would leave the flow writing.
func checkShadowFlows(cfg *config.Config) error {
	known := (&workflows.Flows{Config: cfg}).Workflows()
	for _, name := range cfg.AccountNames() {
		for _, f := range cfg.Accounts[name].ShadowFlows {
			if _, ok := known[f]; !ok {
				return fmt.Errorf("accounts.%s.shadow_flows: %q is not a flow (the workflow type names, e.g. %s)", name, f, workflows.CreateLeadFromFormName)
			}
		}
	}
	return nil
}

// shadowOption puts an account's client in shadow mode when its config asks
// (accounts.*.mode: shadow, or shadow_flows); nil otherwise.
func shadowOption(a *config.Account, rec *shadow.Recorder) amocrm.Option {
	if !a.Shadowed() {
		return nil
	}
	return amocrm.WithShadow(rec, a.ShadowsFlow)
}

// shadowOneC puts the 1C client in shadow mode for every flow (onec.mode:
// shadow) or for the flows some account shadows.
func shadowOneC(cfg *config.Config, c *onec.Client, rec *shadow.Recorder) {
	if cfg.OneC.Mode == config.ModeShadow {
		c.Shadow(rec, func(string) bool { return true })
		return
	}
	if flows := cfg.ShadowFlows(); len(flows) > 0 {
		only := &config.Account{ShadowFlows: flows}
		c.Shadow(rec, only.ShadowsFlow)
	}
}

// ShadowReport compares the writes planned since since (of one account
// when account is set) with what the live accounts hold
// (`amoflow shadow report`).
func ShadowReport(ctx context.Context, cfg *config.Config, db *store.DB, since time.Time, account string) (*report.Report, error) {
	ring, err := ShadowRing(cfg)
	if err != nil {
		return nil, err
	}
	rows, err := db.ShadowWrites(ctx, store.ShadowFilter{Since: since, Account: account})
	if err != nil {
		return nil, err
	}
	writes := make([]report.Write, 0, len(rows))
	for _, r := range rows {
		body, err := shadow.OpenBody(ring, r)
		if err != nil {
			return nil, err
		}
		writes = append(writes, report.Write{ShadowWrite: r, Body: body})
	}
	clients, err := AmoClients(cfg, db)
	if err != nil {
		return nil, err
	}
	cmp := &report.Comparer{Clients: clients, FieldNames: map[string]map[int64]string{}}
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		names := map[int64]string{}
		for _, m := range []map[string]int64{a.CompanyFields, a.ContactFields, a.LeadFields, a.FormFields} {
			for k, id := range m {
				names[id] = k
			}
		}
		cmp.FieldNames[name] = names
	}
	return cmp.Compare(ctx, since, writes)
}
