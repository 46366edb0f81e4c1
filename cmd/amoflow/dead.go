package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"amoflow/config"
	"amoflow/mq"
)

const deadUsage = `usage:
  amoflow dead list                     every dead letter: job id, kind, account, queue, when, reason
  amoflow dead show ID [--body]         one job's dead letters: headers and reason; the body (which
                                        holds personal data: names, phones, emails) only with --body
  amoflow dead replay ID... | --all     put them back in their work queue under the same job id;
                                        a job that completed or is running does not run again
  amoflow dead purge --older-than AGE   delete those dead-lettered more than AGE ago (e.g. 72h, 30d)

Dead letters are also dropped by the broker after rabbitmq.dead_ttl (default 30 days).`

// runDead lets an operator look at and act on the dead-letter queue.
func runDead(ctx context.Context, args []string) error {
	return deadCommand(ctx, args, os.Stdout)
}

func deadCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"list", "show", "replay", "purge"}, args[0]) {
		return errors.New(deadUsage)
	}
	sub := args[0]
	fs, path := flags("dead " + sub)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), deadUsage) }
	body := fs.Bool("body", false, "show: print the message body too (it holds personal data)")
	all := fs.Bool("all", false, "replay: every dead letter")
	olderThan := fs.String("older-than", "", "purge: age, as a Go duration or in days (30d)")
	ids, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	dead, err := mq.FromConfig(cfg.RabbitMQ, "amoflow-dead").OpenDead()
	if err != nil {
		return err
	}
	defer dead.Close()

	switch sub {
	case "list":
		all, err := dead.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB ID\tKIND\tACCOUNT\tQUEUE\tDEAD AT\tREASON")
		for _, dl := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dl.ID, dl.Kind, dl.Account, dl.Queue, when(dl.DeadAt), oneLine(dl.Reason))
		}
		tw.Flush()
		fmt.Fprintf(out, "%d dead letters\n", len(all))
	case "show":
		if len(ids) != 1 {
			return errors.New("usage: amoflow dead show ID [--body]")
		}
		found, err := dead.Show(ctx, ids[0])
		if err != nil {
			return err
		}
		for i, dl := range found {
			if i > 0 {
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "job id:      %s\nkind:        %s\naccount:     %s\nqueue:       %s\nreceived at: %s\ndead at:     %s\nreason:      %s\nheaders:\n",
				dl.ID, dl.Kind, dl.Account, dl.Queue, when(dl.ReceivedAt), when(dl.DeadAt), dl.Reason)
			keys := slices.Sorted(maps.Keys(dl.Headers))
			for _, k := range keys {
				fmt.Fprintf(out, "  %s: %v\n", k, dl.Headers[k])
			}
			if *body {
				fmt.Fprintf(out, "body:\n%s\n", dl.Body)
			} else {
				fmt.Fprintf(out, "body:        %d bytes, not shown (personal data); add --body to print it\n", len(dl.Body))
			}
		}
	case "replay":
		if *all == (len(ids) > 0) {
			return errors.New("usage: amoflow dead replay ID... | --all")
		}
		done, err := dead.Replay(ctx, ids, *all)
		for _, id := range done {
			fmt.Fprintf(out, "replayed %s\n", id)
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(done, id) {
				return fmt.Errorf("%w: %s", mq.ErrNoDeadLetter, id)
			}
		}
		fmt.Fprintf(out, "%d replayed\n", len(done))
	case "purge":
		return purgeOlder(out, *olderThan, "purged", func(age time.Duration) (int64, error) {
			n, err := dead.Purge(ctx, age, time.Now())
			return int64(n), err
		})
	}
	return nil
}

// parseInterspersed parses flags that may follow the positional arguments
// (amoflow dead show ID --body) and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseAge reads a Go duration or a number of days ("30d").
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("required, e.g. 720h or 30d")
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n float64
		n, err = strconv.ParseFloat(days, 64)
		d = time.Duration(n * 24 * float64(time.Hour))
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}

// purgeOlder is the purge subcommand of dead, notices and shadow: it
// deletes what is older than --older-than and says how many went.
func purgeOlder(out io.Writer, olderThan, gone string, purge func(age time.Duration) (int64, error)) error {
	age, err := parseAge(olderThan)
	if err != nil {
		return fmt.Errorf("--older-than: %w", err)
	}
	n, err := purge(age)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d %s\n", n, gone)
	return nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
