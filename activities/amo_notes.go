package activities

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"

	"amoflow/amocrm"
)

// Note activities of the webhook flows.

// ListNotes lists an entity's notes (of the given types, if any) in one request.
func (a *Amo) ListNotes(ctx context.Context, in ListNotesInput) ([]NoteCard, error) {
	return listOf(a, in.Account, noteCardOf, func(c *amocrm.Client) ([]amocrm.Note, error) {
		return c.Notes(ctx, amocrm.EntityType(in.Entity), in.EntityID, in.Types...)
	})
}

// maxNotes is amoCRM's batch limit; the workflow sends at most this many.
const maxNotes = 50

// AddNotes adds notes in one request and returns their ids in input order.
// A retried attempt first reads the target entities' notes and adds only
// the missing ones, so a batch whose answer was lost is not added twice.
func (a *Amo) AddNotes(ctx context.Context, in AddNotesInput) ([]int64, error) {
	c, err := a.client(in.Account)
	if err != nil {
		return nil, err
	}
	return addNotes(ctx, c, in, activity.GetInfo(ctx).Attempt > 1)
}

// addNotes is AddNotes; retried says an earlier attempt may have added some.
func addNotes(ctx context.Context, c *amocrm.Client, in AddNotesInput, retried bool) ([]int64, error) {
	if len(in.Notes) > maxNotes {
		return nil, fmt.Errorf("activities: %d notes in one AddNotes, at most %d", len(in.Notes), maxNotes)
	}
	ids := make([]int64, len(in.Notes))
	todo := make([]int, 0, len(in.Notes)) // indexes still to add
	for i := range in.Notes {
		todo = append(todo, i)
	}
	if retried {
		var have []NoteCard
		var seen []int64
		for _, n := range in.Notes {
			if slices.Contains(seen, n.EntityID) {
				continue
			}
			seen = append(seen, n.EntityID)
			got, err := c.Notes(ctx, amocrm.EntityType(in.Entity), n.EntityID)
			if err != nil {
				return nil, classify(err)
			}
			for _, g := range got {
				have = append(have, noteCardOf(g))
			}
		}
		todo = todo[:0]
		for i, n := range in.Notes {
			if j := slices.IndexFunc(have, func(h NoteCard) bool { return h.Same(n) }); j >= 0 {
				ids[i] = have[j].ID
				have = slices.Delete(have, j, j+1) // two equal notes need two
			} else {
				todo = append(todo, i)
			}
		}
	}
	if len(todo) == 0 {
		return ids, nil
	}
	batch := make([]amocrm.Note, 0, len(todo))
	for _, i := range todo {
		batch = append(batch, amoNote(in.Notes[i]))
	}
	added, err := c.AddNotes(ctx, amocrm.EntityType(in.Entity), batch)
	if err != nil {
		return nil, classify(err)
	}
	if len(added) != len(todo) {
		return nil, fmt.Errorf("amocrm: notes answered %d notes for %d", len(added), len(todo))
	}
	for k, i := range todo {
		ids[i] = added[k].ID
	}
	return ids, nil
}

// Same reports whether two notes say the same thing on the same entity:
// type, text and, for calls, the call's identity. Authors and times are not
// compared (amoCRM sets them on a copy).
func (x NoteCard) Same(y NoteCard) bool {
	p, q := x.Params, y.Params
	return x.EntityID == y.EntityID && x.Type == y.Type && p.Text == q.Text && p.Service == q.Service &&
		p.UniqID == q.UniqID && p.Link == q.Link && p.Phone == q.Phone && p.Duration == q.Duration
}
