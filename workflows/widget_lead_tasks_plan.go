package workflows

import (
	"slices"

	"amoflow/activities"
)

// leadTaskEntries lists the open tasks, each once, in amoCRM's order, each
// offered the variants; never nil (the answer is a JSON list).
func leadTaskEntries(tasks []activities.LeadTaskState, variants []string) []LeadTaskEntry {
	out := []LeadTaskEntry{}
	seen := map[int64]bool{}
	for _, t := range tasks {
		if t.Completed || t.ID == 0 || seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		v := slices.Clone(variants)
		if v == nil {
			v = []string{}
		}
		out = append(out, LeadTaskEntry{TaskID: t.ID, Variants: v})
	}
	return out
}
