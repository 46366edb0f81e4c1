package amocrm

import (
	"context"
	"time"

	"amoflow/metrics"
	"amoflow/store"
)

// AccountStatus is what an operator needs to know about one account: its
// token, whether it needs re-authorization and why, and its circuit
// breaker. `amoflow auth status` prints it; the admin listener serves it as
// JSON. It holds no token.
type AccountStatus struct {
	Account    string `json:"account"`
	Authorized bool   `json:"authorized"` // a token pair is stored
	LongLived  bool   `json:"long_lived,omitempty"`
	// ExpiresAt is when the stored access token stops working.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// LastRefresh is when the stored pair was obtained (refresh or authorization).
	LastRefresh *time.Time `json:"last_refresh,omitempty"`
	// RefreshDue is when the next refresh is due.
	RefreshDue *time.Time `json:"refresh_due,omitempty"`
	// RefreshError is why the last refresh failed, if one has failed since.
	RefreshError   string     `json:"last_refresh_error,omitempty"`
	RefreshErrorAt *time.Time `json:"last_refresh_error_at,omitempty"`

	NeedsReauth       bool   `json:"needs_reauth"`
	NeedsReauthReason string `json:"needs_reauth_reason,omitempty"`

	// Blocked is the circuit breaker: amoCRM answers the account with 403.
	Blocked      bool       `json:"blocked"`
	BlockedSince *time.Time `json:"blocked_since,omitempty"`
	NextProbe    *time.Time `json:"next_probe,omitempty"`

	// Paused is true while the account's work waits: no usable token, or blocked.
	Paused bool `json:"paused"`
	// Action is what the operator should do, if anything.
	Action string `json:"action,omitempty"`
}

// AccountStatuses reads the state of the accounts from Postgres, in the
// order given, and sets the needs-reauth and blocked gauges from it. opts
// are the token options of the deployment (the refresh fraction decides
// RefreshDue).
func AccountStatuses(ctx context.Context, db *store.DB, accounts []Account, opts ...TokenOption) ([]AccountStatus, error) {
	cfg := newTokenConfig(opts)
	ts := &TokenSource{tokenConfig: cfg}
	tokens, err := db.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	breakers, err := db.Breakers(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.Token{}
	for _, t := range tokens {
		byName[t.Account] = t
	}
	blocked := map[string]store.Breaker{}
	for _, b := range breakers {
		blocked[b.Account] = b
	}
	now := time.Now()
	out := make([]AccountStatus, 0, len(accounts))
	for _, a := range accounts {
		s := AccountStatus{Account: a.Name}
		if t, ok := byName[a.Name]; ok {
			s.Authorized = true
			s.LongLived = t.RefreshToken == ""
			s.ExpiresAt = timePtr(t.ExpiresAt)
			s.LastRefresh = timePtr(t.IssuedAt)
			if !s.LongLived {
				s.RefreshDue = timePtr(ts.dueAt(t))
			}
			s.RefreshError, s.RefreshErrorAt = t.RefreshError, timePtr(t.RefreshErrorAt)
			s.NeedsReauth, s.NeedsReauthReason = t.NeedsReauth != "", t.NeedsReauth
			s.Paused = !t.ExpiresAt.After(now) && (s.NeedsReauth || s.LongLived || s.RefreshError != "")
		} else {
			s.NeedsReauth, s.NeedsReauthReason, s.Paused = true, "no token stored", true
		}
		if b, ok := blocked[a.Name]; ok {
			s.Blocked, s.BlockedSince, s.NextProbe, s.Paused = true, timePtr(b.Since), timePtr(now.Add(b.Wait)), true
		}
		switch {
		case s.NeedsReauth:
			s.Action = "run amoflow auth url --account " + a.Name + " and open the link as an amoCRM administrator"
		case s.RefreshError != "" && s.ExpiresAt != nil:
			s.Action = "the last refresh failed; it is retried by itself until the token expires at " +
				s.ExpiresAt.UTC().Format(time.RFC3339) + " (check client_id, client_secret, redirect_uri if it says so)"
		case s.Blocked:
			s.Action = "amoCRM blocked the account for too many requests: ask amoCRM support to unblock it; work resumes by itself"
		}
		setGauge(metrics.AccountNeedsReauth.WithLabelValues(a.Name).Set, s.NeedsReauth)
		setGauge(metrics.AccountBlocked.WithLabelValues(a.Name).Set, s.Blocked)
		out = append(out, s)
	}
	return out, nil
}

func setGauge(set func(float64), on bool) {
	if on {
		set(1)
	} else {
		set(0)
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
