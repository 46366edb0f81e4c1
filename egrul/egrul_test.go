package egrul_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"amoflow/config"
	"amoflow/egrul"
	"amoflow/egrul/egrulfake"
)

func TestLookupAgainstTheFake(t *testing.T) {
	fake := egrulfake.New()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	want := egrul.Company{INN: "7701234567", OGRN: "1027700132195", KPP: "770101001", Email: "info@romashka.example",
		ShortName: "ООО \"РОМАШКА\"", FullName: "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"РОМАШКА\"",
		Address: "101000, Москва, Мясницкая ул 1"}
	fake.Put(want)
	c := egrul.New(config.EGRUL{BaseURL: srv.URL})
	got, err := c.Lookup(context.Background(), want.INN)
	if err != nil {
		t.Fatal(err)
	}
	if *got != want {
		t.Errorf("got %+v\nwant %+v", *got, want)
	}
	if _, err := c.Lookup(context.Background(), "7700000000"); !errors.Is(err, egrul.ErrNotFound) {
		t.Errorf("unknown INN: %v", err)
	}
	fake.Fail(http.StatusBadGateway, http.StatusForbidden)
	var e *egrul.Error
	if _, err := c.Lookup(context.Background(), want.INN); !errors.As(err, &e) || !e.Retryable() {
		t.Errorf("502: %v, want retryable", err)
	}
	if _, err := c.Lookup(context.Background(), want.INN); !errors.As(err, &e) || e.Retryable() {
		t.Errorf("403: %v, want permanent", err)
	}
	if _, err := c.Lookup(context.Background(), "12/../x"); !errors.As(err, &e) || e.Retryable() {
		t.Errorf("bad INN: %v", err)
	}
	if n := fake.Lookups(want.INN); n != 3 {
		t.Errorf("%d lookups reached the register, want 3 (a bad INN is never sent)", n)
	}
}

// The register's other address shape (ФИАС), a sole trader, and arrays
// where one element was expected.
func TestParseFIASAndSoleTrader(t *testing.T) {
	body := `{"СвИП":{"@attributes":{"ОГРНИП":"304500116000157"},
		"СвАдресЮЛ":{"СвАдрЮЛФИАС":{"@attributes":{"Индекс":"143000"},"НаимРегион":"Московская область",
		"ЭлУлДорСети":{"@attributes":{"Наим":"Ленина"}},"Здание":[{"@attributes":{"Номер":"5"}},{"@attributes":{"Номер":"6"}}]}}}}`
	c, err := egrul.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SoleTrader || c.OGRN != "304500116000157" || c.Address != "143000, Московская область, Ленина 5" || c.KPP != "" {
		t.Errorf("%+v", *c)
	}
	for _, bad := range []string{`[]`, `{"x":1}`, `not json`} {
		if _, err := egrul.Parse([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
