package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"amoflow/app"
	"amoflow/shadow"
	"amoflow/shadow/report"
	"amoflow/store"
)

const shadowUsage = `usage:
  amoflow shadow report [--since 24h] [--account NAME] [--json]
        compare the writes shadow mode planned with what amoCRM holds for the same
        leads: a per-flow agreement table and the fields that differ (names only)
  amoflow shadow list [--since 24h] [--job ID] [--body]
        the planned writes: job, flow, method and path; the body (personal data) only with --body
  amoflow shadow purge --older-than AGE
        delete planned writes recorded more than AGE ago (also done by the workers
        after shadow.retention)`

// runShadow is `amoflow shadow` (README "Shadow mode").
func runShadow(ctx context.Context, args []string) error {
	return shadowCommand(ctx, args, os.Stdout)
}

func shadowCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "report" && args[0] != "list" && args[0] != "purge") {
		return errors.New(shadowUsage)
	}
	sub := args[0]
	fs, path := flags("shadow " + sub)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), shadowUsage) }
	since := fs.String("since", "24h", "how far back, as a Go duration or in days (7d)")
	account := fs.String("account", "", "report: only this account")
	asJSON := fs.Bool("json", false, "report: print JSON")
	job := fs.String("job", "", "list: only this job (workflow id)")
	body := fs.Bool("body", false, "list: print each body too (it holds personal data)")
	olderThan := fs.String("older-than", "", "purge: age, as a Go duration or in days (30d)")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	cfg, db, err := loadWithStore(ctx, *path)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "purge" {
		return purgeOlder(out, *olderThan, "planned writes deleted", func(age time.Duration) (int64, error) {
			return db.PurgeShadowWrites(ctx, age)
		})
	}
	age, err := parseAge(*since)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	from := time.Now().Add(-age)
	if sub == "report" {
		if *account != "" {
			if _, ok := cfg.Account(*account); !ok {
				return fmt.Errorf("--account: %q is not configured", *account)
			}
		}
		rep, err := app.ShadowReport(ctx, cfg, db, from, *account)
		if err != nil {
			return err
		}
		if *asJSON {
			return report.WriteJSON(out, rep)
		}
		return report.WriteTable(out, rep)
	}
	rows, err := db.ShadowWrites(ctx, store.ShadowFilter{Since: from, WorkflowID: *job})
	if err != nil {
		return err
	}
	ring, err := app.ShadowRing(cfg)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tJOB\tFLOW\tACTIVITY\tACCOUNT\tWRITE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\n", r.CreatedAt.UTC().Format(time.DateTime), r.WorkflowID,
			r.WorkflowType, r.ActivityType, r.Account, r.Method, r.Path)
		if *body {
			b, err := shadow.OpenBody(ring, r)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "\t%s\n", b)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d planned writes\n", len(rows))
	return nil
}
