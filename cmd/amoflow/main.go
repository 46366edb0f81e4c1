// Command amoflow runs the integration. One binary, one subcommand per role:
//
//	amoflow dev       everything in one process on an embedded Temporal dev server with its Web UI
//	amoflow serve     the HTTP starter (site forms, webhooks, 1C, jobs API)
//	amoflow bridge    RabbitMQ → Temporal: starts one workflow per message, then acks
//	amoflow worker    Temporal workflows and activities (amoCRM, 1C)
//	amoflow migrate   apply database migrations and exit
//	amoflow auth      on-board an amoCRM account (consent link, code exchange, long-lived token), show accounts' state
//	amoflow dead      list, show, replay or purge dead letters
//	amoflow check     read every configured id back from amoCRM and 1C; exit 1 on a mismatch
//	amoflow shadow    compare the writes shadow mode planned with amoCRM (report), list or purge them
//	amoflow notices   what 1C posted to /integration/1c/paymentreceived and courseended
//	amoflow fake-amo  a fake amoCRM for local work and tests
//	amoflow fake-1c   a fake 1C for local work and tests
//	amoflow codec-server  decrypts workflow payloads for the Temporal UI
//	amoflow import    import ucheba --date D: import one day of ucheba.ru requests by hand
//
// Every subcommand reads the YAML file given by --config or AMOFLOW_CONFIG.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"amoflow/config"
	"amoflow/store"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string) error
}

var commands = []command{
	{"dev", "everything in one process with an embedded Temporal server and Web UI", runDev},
	{"serve", "the HTTP starter", runServe},
	{"bridge", "the RabbitMQ → Temporal bridge", runBridge},
	{"worker", "the Temporal worker (workflows and amoCRM activities)", runWorker},
	{"migrate", "apply database migrations", runMigrate},
	{"auth", "amoCRM accounts: auth url|exchange|token (on-board), auth status [--json]", runAuth},
	{"dead", "dead letters: dead list | show ID [--body] | replay ID...|--all | purge --older-than AGE", runDead},
	{"shadow", "shadow mode: shadow report [--since 24h] [--json] | list [--job ID] [--body] | purge --older-than AGE", runShadow},
	{"notices", "what 1C posted to the old notice URLs: notices [--since 24h] [--kind K] [--body] | purge --older-than AGE", runNotices},
	{"check", "read every configured id back from amoCRM and try 1C; exit 1 on a mismatch", runCheck},
	{"fake-amo", "serve a fake amoCRM", runFakeAmo},
	{"fake-1c", "serve a fake 1C", runFake1C},
	{"codec-server", "decrypt payloads for the Temporal UI (authenticated, CORS for the UI)", runCodecServer},
	{"import", "import ucheba [--date YYYY-MM-DD]: import one day of ucheba.ru requests by hand", runImport},
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name == os.Args[1] {
			if err := c.run(ctx, os.Args[2:]); err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintf(os.Stderr, "amoflow %s: %v\n", c.name, err)
				os.Exit(1)
			}
			return
		}
	}
	usage()
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: amoflow <command> [--config FILE] [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
}

// flags returns a flag set with the common --config flag.
func flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("amoflow "+name, flag.ContinueOnError)
	def := os.Getenv("AMOFLOW_CONFIG")
	if def == "" {
		def = "config/example.yaml"
	}
	path := fs.String("config", def, "configuration file (or AMOFLOW_CONFIG)")
	return fs, path
}

// parse parses a subcommand's flags and loads the configuration they name.
func parse(fs *flag.FlagSet, path *string, args []string) (*config.Config, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return config.Load(*path)
}

// parseWithStore is parse, then opens (and migrates) the configured
// database, for subcommands that need nothing else first. The caller
// closes the database.
func parseWithStore(ctx context.Context, fs *flag.FlagSet, path *string, args []string) (*config.Config, *store.DB, error) {
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return loadWithStore(ctx, *path)
}

// loadWithStore loads the configuration at path and opens (and migrates)
// its database; the caller closes the database.
func loadWithStore(ctx context.Context, path string) (*config.Config, *store.DB, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.Postgres.URL)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}
