package amocrm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"amoflow/metrics"
	"amoflow/store"
	"amoflow/store/storetest"
)

func TestAccountStatuses(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	exp := time.Now().Add(24 * time.Hour)
	for _, name := range []string{"st-ok", "st-reauth"} {
		if _, err := db.PutToken(ctx, name, "a", "r", exp); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE amo_tokens SET needs_reauth = 'refresh token revoked', expires_at = now() - interval '1 minute',
		refresh_error = 'refresh token revoked', refresh_error_at = now() WHERE account = 'st-reauth'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TripBreaker(ctx, "st-ok", time.Minute); err != nil {
		t.Fatal(err)
	}
	st, err := AccountStatuses(ctx, db, []Account{{Name: "st-ok"}, {Name: "st-reauth"}, {Name: "st-none"}}, WithRefreshFraction(0.25))
	if err != nil || len(st) != 3 {
		t.Fatalf("%+v %v", st, err)
	}
	ok, re, none := st[0], st[1], st[2]
	if !ok.Authorized || ok.NeedsReauth || !ok.Blocked || !ok.Paused || ok.NextProbe == nil || ok.RefreshDue == nil ||
		ok.RefreshDue.After(time.Now().Add(7*time.Hour)) || !strings.Contains(ok.Action, "support") {
		t.Errorf("blocked account: %+v", ok)
	}
	if !re.NeedsReauth || re.NeedsReauthReason != "refresh token revoked" || !re.Paused ||
		!strings.Contains(re.Action, "amoflow auth url --account st-reauth") {
		t.Errorf("needs-reauth account: %+v", re)
	}
	if none.Authorized || !none.NeedsReauth || !none.Paused {
		t.Errorf("account without token: %+v", none)
	}
	if testutil.ToFloat64(metrics.AccountNeedsReauth.WithLabelValues("st-reauth")) != 1 ||
		testutil.ToFloat64(metrics.AccountBlocked.WithLabelValues("st-ok")) != 1 ||
		testutil.ToFloat64(metrics.AccountNeedsReauth.WithLabelValues("st-ok")) != 0 {
		t.Error("gauges not set from the statuses")
	}
}

func TestConsentHost(t *testing.T) {
	for base, want := range map[string]string{
		"https://mzpoeducationsale.amocrm.ru": "https://www.amocrm.ru",
		"https://acme.kommo.com":              "https://www.kommo.com",
		"https://acme.amocrm.com/":            "https://www.amocrm.com",
		"http://127.0.0.1:9999/retail":        "https://www.amocrm.ru",
	} {
		if got := ConsentHost(base); got != want {
			t.Errorf("%s: %s, want %s", base, got, want)
		}
	}
}

func TestRefreshDue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name           string
		fraction       float64
		issued, expiry time.Time
		want           time.Time
	}{
		{"amoCRM day, half", 0.5, t0, t0.Add(24 * time.Hour), t0.Add(12 * time.Hour)},
		{"a quarter", 0.25, t0, t0.Add(24 * time.Hour), t0.Add(6 * time.Hour)},
		{"fraction near 1: the margin wins", 0.999, t0, t0.Add(24 * time.Hour), t0.Add(24*time.Hour - DefaultRefreshMargin)},
		{"issue time unknown: the margin", 0.5, time.Time{}, t0.Add(24 * time.Hour), t0.Add(24*time.Hour - DefaultRefreshMargin)},
		{"short pair keeps its fraction", 0.5, t0, t0.Add(8 * time.Second), t0.Add(4 * time.Second)},
	} {
		ts := NewTokenSource(nil, Account{}, WithRefreshFraction(c.fraction))
		if got := ts.dueAt(store.Token{IssuedAt: c.issued, ExpiresAt: c.expiry}); !got.Equal(c.want) {
			t.Errorf("%s: due %v, want %v", c.name, got, c.want)
		}
	}
}
