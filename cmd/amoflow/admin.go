package main

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"amoflow/admin"
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
