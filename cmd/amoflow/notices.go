package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"amoflow/app"
	"amoflow/seal"
	"amoflow/store"
	"amoflow/workflows"
)

const noticesUsage = `usage:
  amoflow notices [list] [--since 24h] [--kind paymentreceived|courseended|leadtask] [--body]
        what 1C posted to /integration/1c/paymentreceived and courseended, and
        what was PUT to the old /api/leadtasks (kind leadtask): time, kind, job
        and size; the body (personal data) only with --body
  amoflow notices purge --older-than AGE
        delete the notices received more than AGE ago (30d, 720h)`

// runNotices is `amoflow notices` (README "Migrating from the old URLs").
func runNotices(ctx context.Context, args []string) error {
	return noticesCommand(ctx, args, os.Stdout)
}

func noticesCommand(ctx context.Context, args []string, out io.Writer) error {
	fs, path := flags("notices")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), noticesUsage) }
	since := fs.String("since", "24h", "how far back, as a Go duration or in days (7d)")
	kind := fs.String("kind", "", "only this kind")
	body := fs.Bool("body", false, "print each body too (it may hold personal data)")
	olderThan := fs.String("older-than", "", "purge: age, as a Go duration or in days (30d)")
	sub := "list"
	if len(args) > 0 && (args[0] == "list" || args[0] == "purge") {
		sub, args = args[0], args[1:]
	}
	cfg, db, err := parseWithStore(ctx, fs, path, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "purge" {
		return purgeOlder(out, *olderThan, "notices deleted", func(age time.Duration) (int64, error) {
			return db.PurgeOneCNotices(ctx, age)
		})
	}
	if *kind != "" && !slices.Contains(workflows.NoticeKinds(), *kind) {
		return fmt.Errorf("--kind: %q is none of %v", *kind, workflows.NoticeKinds())
	}
	age, err := parseAge(*since)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	rows, err := db.OneCNotices(ctx, time.Now().Add(-age), *kind)
	if err != nil {
		return err
	}
	ring, err := app.ShadowRing(cfg) // the token key seals them
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECEIVED\tKIND\tJOB\tTYPE\tBYTES")
	for _, n := range rows {
		b, err := openNotice(ring, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", n.ReceivedAt.UTC().Format(time.DateTime), n.Kind, n.JobID, n.ContentType, len(b))
		if *body {
			fmt.Fprintf(tw, "\t%s\n", b)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d notices\n", len(rows))
	return nil
}

// openNotice returns a notice's body in clear.
func openNotice(ring *seal.Ring, n store.OneCNotice) ([]byte, error) {
	if n.BodyKey == "" {
		return n.Body, nil
	}
	if ring == nil {
		return nil, fmt.Errorf("notice %s is sealed with key %s and no token key is configured", n.JobID, n.BodyKey)
	}
	b, err := ring.Open(n.BodyKey, n.Body, []byte(n.JobID))
	if err != nil {
		return nil, fmt.Errorf("notice %s: %w", n.JobID, err)
	}
	return b, nil
}
