package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"amoflow/amocrm"
	"amoflow/app"
)

// runAuthStatus prints every account's authorization state:
//
//	amoflow auth status [--json]
func runAuthStatus(ctx context.Context, args []string) error {
	fs, path := flags("auth status")
	asJSON := fs.Bool("json", false, "print JSON (the same as the admin listener serves)")
	cfg, db, err := parseWithStore(ctx, fs, path, args)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := app.AccountStatuses(ctx, cfg, db)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatuses(os.Stdout, st, time.Now())
	return nil
}

// printStatuses writes one block per account for a person to read.
func printStatuses(w io.Writer, st []amocrm.AccountStatus, now time.Time) {
	at := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + relative(t.Sub(now)) + ")"
	}
	for _, s := range st {
		state := "ok"
		switch {
		case s.Paused:
			state = "PAUSED"
		case s.NeedsReauth || s.Blocked || s.RefreshError != "":
			state = "ATTENTION"
		}
		fmt.Fprintf(w, "%s: %s\n", s.Account, state)
		if s.Authorized {
			kind := "OAuth pair"
			if s.LongLived {
				kind = "long-lived token"
			}
			fmt.Fprintf(w, "  %s, expires %s\n", kind, at(s.ExpiresAt))
			fmt.Fprintf(w, "  last refresh %s", at(s.LastRefresh))
			if s.RefreshDue != nil {
				fmt.Fprintf(w, ", next due %s", at(s.RefreshDue))
			}
			fmt.Fprintln(w)
		}
		if s.RefreshError != "" {
			fmt.Fprintf(w, "  last refresh failed %s: %s\n", at(s.RefreshErrorAt), s.RefreshError)
		}
		if s.NeedsReauth {
			fmt.Fprintf(w, "  needs re-authorization: %s\n", s.NeedsReauthReason)
		}
		if s.Blocked {
			fmt.Fprintf(w, "  blocked by amoCRM (403) since %s; next probe %s\n", at(s.BlockedSince), at(s.NextProbe))
		}
		if s.Action != "" {
			fmt.Fprintf(w, "  → %s\n", s.Action)
		}
	}
}

func relative(d time.Duration) string {
	d = d.Round(time.Minute)
	if d <= 0 {
		return (-d).String() + " ago"
	}
	return "in " + d.String()
}
