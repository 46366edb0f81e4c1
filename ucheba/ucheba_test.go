package ucheba_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"amoflow/ucheba"
	"amoflow/ucheba/uchebafake"
)

func lead(id int64, name string) ucheba.Lead {
	return ucheba.Lead{ID: id, Person: &ucheba.Person{ID: id, FullName: name, Phone: fmt.Sprintf("+7916%07d", id)},
		LastActivity: &ucheba.Activity{ID: 1000 + id, Type: &ucheba.ActivityType{Value: ucheba.TypeQuestion},
			Question: &ucheba.Question{ID: id, Text: "Сколько стоит?"}}}
}

func TestLeadsPagesFiltersAndClassifies(t *testing.T) {
	f := uchebafake.New("tok", 9915)
	srv := httptest.NewServer(f)
	defer srv.Close()
	for i := range ucheba.PageSize + 1 {
		f.Add("2026-12-01", lead(int64(i+1), "Иван"))
	}
	f.Add("2026-11-30", lead(900, "Вчерашний"))
	f.Add("2026-12-02", ucheba.Lead{ID: 901, Person: &ucheba.Person{FullName: "%D0%98%D0%B2%D0%B0%D0%BD", Phone: "+79161234567"}})
	c := ucheba.New(srv.URL+"/v1", "tok", 9915, 0)
	got, err := c.Leads(context.Background(), "2026-12-01")
	if err != nil || len(got) != ucheba.PageSize+1 || f.Calls() != 2 {
		t.Fatalf("got %d leads (%v) in %d requests; want %d in 2 (two pages, one day only)", len(got), err, f.Calls(), ucheba.PageSize+1)
	}
	if got[ucheba.PageSize].ID != ucheba.PageSize+1 || got[0].LastActivity.Question.Text != "Сколько стоит?" {
		t.Errorf("pages out of order or shape lost: %+v", got[ucheba.PageSize])
	}
	got, err = c.Leads(context.Background(), "2026-12-02")
	if err != nil || len(got) != 1 || got[0].Person.FullName != "Иван" || got[0].Person.Phone != "+79161234567" {
		t.Errorf("percent-encoded name: %+v (%v), want it decoded and the phone's plus kept", got, err)
	}
	if got, err := c.Leads(context.Background(), "2026-12-03"); err != nil || len(got) != 0 {
		t.Errorf("an empty day: %v %v", got, err)
	}
	f.FailNext(1)
	if _, err := c.Leads(context.Background(), "2026-12-01"); !ucheba.IsRetryable(err) {
		t.Errorf("502: %v, want retryable", err)
	}
	if _, err := ucheba.New(srv.URL+"/v1", "wrong", 9915, 0).Leads(context.Background(), "2026-12-01"); err == nil || ucheba.IsRetryable(err) {
		t.Errorf("a refused token: %v, want a permanent error", err)
	}
	if _, err := ucheba.New(srv.URL+"/v1", "tok", 1, 0).Leads(context.Background(), "2026-12-01"); err == nil || ucheba.IsRetryable(err) {
		t.Errorf("another institution: %v, want a permanent error", err)
	}
	if _, err := c.Leads(context.Background(), "01.12.2026"); err == nil || ucheba.IsRetryable(err) {
		t.Errorf("a bad day: %v", err)
	}
	if _, err := (&ucheba.Client{}).Leads(context.Background(), "2026-12-01"); err == nil || ucheba.IsRetryable(err) {
		t.Errorf("no base URL: %v", err)
	}
}
