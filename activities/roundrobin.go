package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"amoflow/seal"
	"amoflow/store"
)

// Store holds the activities on amoflow's own Postgres state.
type Store struct {
	DB *store.DB
	// Ring seals what is kept of a request's body (1C notices); nil: plain.
	Ring *seal.Ring
}

// NextManagerInput asks whose turn it is in a manager pool, for one key
// (the hand-over it is for).
type NextManagerInput struct {
	Pool     string  `json:"pool"`
	Key      string  `json:"key"`
	Managers []int64 `json:"managers"`
}

// NextManager hands out the pool's next manager, atomically across every
// worker (docs/flows.md#round-robin); a key asked again gets the same one.
func (s *Store) NextManager(ctx context.Context, in NextManagerInput) (int64, error) {
	if s == nil || s.DB == nil {
		return 0, temporal.NewNonRetryableApplicationError("no Postgres store on this worker", ErrNoStore, nil)
	}
	if len(in.Managers) == 0 {
		return 0, temporal.NewNonRetryableApplicationError("manager pool "+in.Pool+" is empty", ErrEmptyPool, nil)
	}
	return s.DB.NextInTurn(ctx, in.Pool, in.Key, in.Managers) // database errors are retried
}
