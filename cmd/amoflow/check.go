package main

import (
	"context"
	"errors"
	"os"
	"time"

	"amoflow/app"
	"amoflow/check"
	"amoflow/config"
	"amoflow/onec"
	"amoflow/store"
)

// errMismatch makes amoflow check exit 1 after its table.
var errMismatch = errors.New("the configuration does not match the live systems")

// runCheck reads every configured id back from the live accounts and 1C.
func runCheck(ctx context.Context, args []string) error {
	fs, path := flags("check")
	cfg, db, err := parseWithStore(ctx, fs, path, args)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := configCheck(ctx, cfg, db)
	if err != nil {
		return err
	}
	r.Print(os.Stdout)
	if !r.OK() {
		return errMismatch
	}
	return nil
}

// configCheck runs the check with the process's clients (amoflow dev runs it at start).
func configCheck(ctx context.Context, cfg *config.Config, db *store.DB) (check.Report, error) {
	clients, err := app.AmoClients(cfg, db)
	if err != nil {
		return check.Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var oc *onec.Client
	if cfg.OneC.BaseURL != "" {
		oc = onec.New(cfg.OneC)
	}
	return check.Run(ctx, cfg, clients, oc), nil
}
