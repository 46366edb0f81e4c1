package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteJSON prints the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the per-flow agreement table, then each write that did
// not agree with its job and the fields that differ (names only, and the
// values of ids and stages).
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tJOBS\tWRITES\tAGREE\tDIFFER\tMISSING\tUNMATCHED\tNOT COMPARED\tAGREEMENT\tDIFFERING FIELDS")
	for _, f := range r.Flows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f%%\t%s\n", f.Flow, f.Jobs, f.Writes, f.Agree, f.Differ,
			f.Missing, f.Unmatched, f.NotCompared, 100*f.Agreement(), fieldCounts(f.Fields))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var bad []Result
	for _, res := range r.Results {
		if res.Outcome == Differ || res.Outcome == Missing || res.Outcome == Unmatched {
			bad = append(bad, res)
		}
	}
	fmt.Fprintf(w, "\n%d planned writes since %s, %d not in agreement\n", len(r.Results), r.Since.UTC().Format("2006-01-02 15:04 MST"), len(bad))
	if len(bad) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nJOB\tFLOW\tWRITE\tENTITY\tOUTCOME\tFIELDS")
	for _, res := range bad {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", res.Job, res.Flow, res.Write, res.Entity, res.Outcome, diffList(res.Diffs))
	}
	return tw.Flush()
}

func fieldCounts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func diffList(ds []Diff) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		if d.Planned != "" || d.Actual != "" {
			parts = append(parts, fmt.Sprintf("%s (planned %s, is %s)", d.Field, d.Planned, orNone(d.Actual)))
		} else {
			parts = append(parts, d.Field)
		}
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
