package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"amoflow/amocrm"
	"amoflow/app"
	"amoflow/store"
)

// runAuth on-boards an amoCRM account:
//
//	amoflow auth url --account retail        a consent link; amoCRM redirects to /oauth/callback
//	amoflow auth exchange --account retail --code CODE
//	amoflow auth token --account retail --token TOKEN --expires 2027-01-01
//	amoflow auth status [--json]             every account's token, needs-reauth, breaker
//
// Secrets are read from the flags or, better, from AMOFLOW_AUTH_CODE /
// AMOFLOW_AUTH_TOKEN so they stay out of shell history.
func runAuth(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "rekey" {
		return runAuthRekey(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "status" {
		return runAuthStatus(ctx, args[1:])
	}
	if len(args) == 0 || (args[0] != "url" && args[0] != "exchange" && args[0] != "token") {
		return fmt.Errorf("usage: amoflow auth url --account NAME | auth exchange --account NAME --code CODE | auth token --account NAME --token TOKEN --expires YYYY-MM-DD | auth status [--json] | auth rekey")
	}
	sub := args[0]
	fs, path := flags("auth " + sub)
	account := fs.String("account", "", "account key from the config (retail, corp)")
	code := fs.String("code", os.Getenv("AMOFLOW_AUTH_CODE"), "authorization code (exchange)")
	token := fs.String("token", os.Getenv("AMOFLOW_AUTH_TOKEN"), "long-lived token (token)")
	expires := fs.String("expires", "", "long-lived token expiry, YYYY-MM-DD (token)")
	cfg, err := parse(fs, path, args[1:])
	if err != nil {
		return err
	}
	if err := cfg.ProductionSecrets("auth"); err != nil {
		return err
	}
	a, ok := cfg.Account(*account)
	if !ok {
		return fmt.Errorf("--account %q is not in %s (have %v)", *account, *path, cfg.AccountNames())
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	acct := amocrm.AccountFromConfig(a)
	topts, err := app.TokenOptions(cfg)
	if err != nil {
		return err
	}
	switch sub {
	case "url":
		o, err := app.Onboarding(cfg, db)
		if err != nil {
			return err
		}
		link, err := o.Begin(ctx, a.Name)
		if err != nil {
			return err
		}
		fmt.Printf("Open this link as an amoCRM administrator of %s (valid for an hour, once);\namoCRM sends you back to %s:\n\n  %s\n", a.Subdomain, a.RedirectURI, link)
		return nil
	case "exchange":
		if *code == "" {
			return fmt.Errorf("--code is required")
		}
		err = amocrm.ExchangeCode(ctx, db, acct, *code, topts...)
	case "token":
		var exp time.Time
		if exp, err = time.Parse("2006-01-02", *expires); err != nil {
			return fmt.Errorf("--expires: %v", err)
		}
		if *token == "" {
			return fmt.Errorf("--token is required")
		}
		err = amocrm.StoreLongLivedToken(ctx, db, acct, *token, exp, topts...)
	}
	if err != nil {
		return err
	}
	fmt.Printf("account %s: token stored\n", a.Name)
	return nil
}
