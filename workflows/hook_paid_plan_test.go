package workflows

import (
	"testing"

	"amoflow/activities"
)

func TestPayerContactsAndCompanies(t *testing.T) {
	hits := []activities.Contact{
		{ID: 9, Phones: []string{"+7 916 123-45-67"}},
		{ID: 3, Emails: []string{"IVAN@example.ru"}},
		{ID: 9, Phones: []string{"+7 916 123-45-67"}}, // found by both searches
		{ID: 5, Phones: []string{"+7 916 123-45-68"}}, // a fuzzy hit
	}
	got := payerContacts(hits, "+79161234567", "ivan@example.ru")
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 9 {
		t.Errorf("payer contacts = %+v, want 3 and 9 once each", got)
	}
	cos := []activities.CompanyCard{
		{ID: 4, Values: []activities.FieldValues{{ID: 33575, Code: "PHONE", Values: []activities.FieldValue{{Value: "8-916-123-45-67"}}}}},
		{ID: 2, Values: []activities.FieldValues{{ID: 33577, Code: "EMAIL", Values: []activities.FieldValue{{Value: "other@example.ru"}}}}},
	}
	if got := payerCompanies(cos, "+79161234567", "ivan@example.ru"); len(got) != 1 || got[0].ID != 4 {
		t.Errorf("payer companies = %+v", got)
	}
	if paymentNote("1500", "+79161234567", "") != "Поступила оплата в размере 1500 от контакта +79161234567, " {
		t.Error("note text differs from the predecessor's")
	}
}

func TestConferenceLead(t *testing.T) {
	leads := []activities.Lead{
		{ID: 30, PipelineID: 4697182, StatusID: 43009222},
		{ID: 10, PipelineID: 4697182, StatusID: 43009228}, // paid already
		{ID: 20, PipelineID: 4697182, StatusID: 43009222},
		{ID: 5, PipelineID: 5312269, StatusID: 43009222}, // another pipeline
	}
	if l, ok := conferenceLead(leads, 4697182, 43009222); !ok || l.ID != 20 {
		t.Errorf("unpaid lead = %+v %v, want the oldest, 20", l, ok)
	}
	if _, ok := conferenceLead(leads[3:], 4697182, 43009222); ok {
		t.Error("a lead in another pipeline is not the conference lead")
	}
}
