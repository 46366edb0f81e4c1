package workflows

import (
	"slices"

	"amoflow/activities"
)

// missingNotes lists the notes of want that have is missing: a note of
// have stands for one note of want (activities.NoteCard.Same), so two equal
// notes wanted need two equal notes present.
func missingNotes(want, have []activities.NoteCard) []activities.NoteCard {
	have = slices.Clone(have)
	var out []activities.NoteCard
	for _, w := range want {
		if j := slices.IndexFunc(have, func(h activities.NoteCard) bool { return h.Same(w) }); j >= 0 {
			have = slices.Delete(have, j, j+1)
			continue
		}
		out = append(out, w)
	}
	return out
}
