package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"amoflow/ucheba"
)

// Ucheba holds the activity on ucheba.ru's API (docs/flows.md#uchebaimport).
type Ucheba struct {
	API *ucheba.Client
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
