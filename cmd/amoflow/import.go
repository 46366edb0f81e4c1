package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"amoflow/app"
	"amoflow/workflows"
)

// runImport is `amoflow import ucheba [--date YYYY-MM-DD]`: a by-hand
// import (a backfill) of one day of ucheba.ru requests, yesterday in the
// schedule's zone by default (README "ucheba.ru import").
func runImport(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "ucheba" {
		return fmt.Errorf("usage: amoflow import ucheba [--date YYYY-MM-DD] [--config FILE]")
	}
	fs, path := flags("import ucheba")
	date := fs.String("date", "", "the day to import (YYYY-MM-DD); default yesterday in ucheba.schedule.time_zone")
	cfg, err := parse(fs, path, args[1:])
	if err != nil {
		return err
	}
	day, err := workflows.UchebaDay(*date, time.Now(), cfg.Ucheba.Schedule.TimeZone)
	if err != nil {
		return err
	}
	// The workers' payload keys: the input is encrypted with them, the result read.
	if err := cfg.ProductionSecrets("import"); err != nil {
		return err
	}
	tc, err := app.DialTemporal(ctx, cfg, slog.Default())
	if err != nil {
		return err
	}
	defer tc.Close()
	fmt.Printf("importing ucheba.ru requests of %s (job %s)\n", day, workflows.UchebaImportJobID(day))
	last := ""
	res, attached, err := app.ImportUcheba(ctx, cfg, tc, day, func(p workflows.UchebaImportResult) {
		if line := uchebaLine(p); line != last {
			fmt.Println("  so far:", line)
			last = line
		}
	})
	if attached {
		fmt.Println("an import of this day was already running: followed it")
	}
	if err != nil {
		return fmt.Errorf("import of %s: %w", day, err)
	}
	fmt.Println("done:", uchebaLine(res))
	if len(res.Unusable) > 0 {
		fmt.Printf("unusable (no name, or neither phone nor email), ucheba.ru lead ids: %v\n", res.Unusable)
	}
	return nil
}

func uchebaLine(r workflows.UchebaImportResult) string {
	return fmt.Sprintf("%d listed, %d imported, %d already imported, %d unusable, %d of another kind, %d repeated",
		r.Fetched, len(r.Imported), len(r.AlreadyImported), len(r.Unusable), len(r.Skipped), r.Duplicates)
}
