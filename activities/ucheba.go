package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"amoflow/store"
	"amoflow/ucheba"
)

// Ucheba holds the activities of the ucheba.ru import
// (docs/flows.md#uchebaimport): the API's listing, and the record of the
// form jobs started (Postgres).
type Ucheba struct {
	API *ucheba.Client
	DB  *store.DB
}

// FetchUchebaLeads lists one day's leads (YYYY-MM-DD), every page. The
// answer holds names, phones and emails: it reaches the history only
// through the payload codec, and nothing of it is logged.
func (u *Ucheba) FetchUchebaLeads(ctx context.Context, day string) ([]ucheba.Lead, error) {
	leads, err := u.API.Leads(ctx, day)
	switch {
	case err != nil && ucheba.IsRetryable(err):
		return nil, err
	case err != nil:
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrUchebaAPI, err)
	}
	return leads, nil
}

// KnownUchebaForms returns which of the form job ids an import recorded as
// started (RememberUchebaForms), so a backfill past Temporal's retention
// starts none of them again.
func (u *Ucheba) KnownUchebaForms(ctx context.Context, jobIDs []string) ([]string, error) {
	if u == nil || u.DB == nil {
		return nil, temporal.NewNonRetryableApplicationError("no Postgres store on this worker", ErrNoStore, nil)
	}
	return u.DB.UchebaStarted(ctx, jobIDs) // database errors are retried
}

// RememberUchebaInput names form jobs an import run started (or found started).
type RememberUchebaInput struct {
	ImportJob string   `json:"import_job"`
	JobIDs    []string `json:"job_ids"`
}

// RememberUchebaForms records form jobs as started; idempotent.
func (u *Ucheba) RememberUchebaForms(ctx context.Context, in RememberUchebaInput) error {
	if u == nil || u.DB == nil {
		return temporal.NewNonRetryableApplicationError("no Postgres store on this worker", ErrNoStore, nil)
	}
	return u.DB.RememberUcheba(ctx, in.ImportJob, in.JobIDs)
}
