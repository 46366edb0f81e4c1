package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/client"

	"amoflow/admin"
	"amoflow/app"
	"amoflow/config"
	"amoflow/store"
)

// startAdmin serves the admin listener (metrics, readiness, codec) of the
// process on http.admin_addr; its failure to listen ends the role through errs.
func startAdmin(ctx context.Context, cfg *config.Config, errs chan<- error, checks ...admin.Check) *admin.Server {
	adm := admin.New(checks, slog.Default())
	go func() {
		if err := adm.Run(ctx, cfg.HTTP.AdminAddr, slog.Default()); err != nil {
			errs <- err
		}
	}()
	return adm
}

// mountOperator adds the operator handlers of a role that holds the token
// store: GET /accounts (each account's token and breaker state, as
// `amoflow auth status --json` prints it) and, when temporal.codec.token is
// set, the payload codec the Temporal UI calls under /codec/.
func mountOperator(adm *admin.Server, cfg *config.Config, db *store.DB) error {
	adm.Mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {
		st, err := app.AccountStatuses(r.Context(), cfg, db)
		if err != nil {
			http.Error(w, "account state unavailable", http.StatusServiceUnavailable)
			slog.Warn("admin: account state", "err", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	if cfg.Temporal.Codec.Token == "" {
		return nil
	}
	h, err := app.CodecHandler(cfg)
	if err != nil {
		return err
	}
	adm.Mux.Handle("/codec/", http.StripPrefix("/codec", h))
	return nil
}

func temporalCheck(tc client.Client) admin.Check {
	return admin.Check{Name: "temporal", Func: func(ctx context.Context) error {
		_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	}}
}

func postgresCheck(db *store.DB) admin.Check {
	return admin.Check{Name: "postgres", Func: db.Ping}
}

// untilDone runs f and returns its error or the first from errs.
func untilDone(errs chan error, f func() error) error {
	go func() { errs <- f() }()
	return <-errs
}
