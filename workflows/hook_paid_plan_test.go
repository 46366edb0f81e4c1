package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"amoflow/activities"
	"amoflow/amowebhook"
)

func TestPaymentForm(t *testing.T) {
	for _, c := range []struct {
		name      string
		body      string
		withPrice bool
		want      map[string]string
		badField  string
	}{
		{"phone and email", "phone=8 (916) 123-45-67&email= Ivan@Example.RU ", false, map[string]string{"phone": "+79161234567", "email": "ivan@example.ru"}, ""},
		{"the site's undefined is no value", "phone=undefined&email=ivan@example.ru", false, map[string]string{"phone": "", "email": "ivan@example.ru"}, ""},
		{"an email that is no address is ignored", "phone=89161234567&email=нет", false, map[string]string{"phone": "+79161234567", "email": ""}, ""},
		{"nobody to find", "phone=123&email=undefined", false, nil, "phone"},
		{"no fields at all", "x=1", true, nil, "phone"},
		{"whole roubles", "phone=89161234567&email=&price=15000", true, map[string]string{"phone": "+79161234567", "email": "", "price": "15000"}, ""},
		{"kopecks with a comma and a space", "phone=89161234567&price=1 500,5", true, map[string]string{"phone": "+79161234567", "email": "", "price": "1500.50"}, ""},
		{"the predecessor's 0 for an unreadable amount is refused", "phone=89161234567&price=пятьсот", true, nil, "price"},
		{"a missing amount is refused", "email=a@b.ru", true, nil, "price"},
		{"a negative amount is refused", "email=a@b.ru&price=-5", true, nil, "price"},
	} {
		d, err := amowebhook.ParseBody(strings.ReplaceAll(c.body, " ", "+"))
		if err != nil {
			t.Fatal(err)
		}
		name, params, err := paymentForm(c.withPrice)(d)
		var fe fieldError
		switch {
		case c.badField != "":
			if !errors.As(err, &fe) || fe.Field() != c.badField {
				t.Errorf("%s: err = %v, want one blaming %s", c.name, err, c.badField)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(params) != len(c.want) {
			t.Errorf("%s: params = %v, want %v", c.name, params, c.want)
		}
		for k, v := range c.want {
			if params[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, params[k], v)
			}
		}
		if !strings.HasPrefix(name, "pay") || strings.Contains(name, "9161234567") || strings.Contains(name, "@") {
			t.Errorf("%s: event name %q must be a digest, without the phone or email", c.name, name)
		}
	}
}

func TestWebhookEventsPaymentForm(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 3, 0, 0, time.UTC)
	d, _ := amowebhook.ParseBody("phone=89161234567&email=a%40b.ru&price=100")
	first, err := WebhookEvents("retailpaid", "retail", d, at, 10*time.Minute)
	if err != nil || len(first) != 1 {
		t.Fatalf("events = %+v, %v", first, err)
	}
	ev := first[0]
	if !strings.HasPrefix(ev.JobID, "wh-retail-retailpaid-pay") || !strings.HasSuffix(ev.JobID, "-win"+itoa(at.Truncate(10*time.Minute).Unix())) ||
		ev.Params["price"] != "100" || ev.ID != 0 {
		t.Fatalf("event = %+v", ev)
	}
	again, _ := WebhookEvents("retailpaid", "retail", d, at.Add(time.Minute), 10*time.Minute)
	other, _ := amowebhook.ParseBody("phone=89161234567&email=a%40b.ru&price=200")
	second, _ := WebhookEvents("retailpaid", "retail", other, at, 10*time.Minute)
	if again[0].JobID != ev.JobID || second[0].JobID == ev.JobID {
		t.Fatalf("the same form within the window is one job, another amount another: %s %s %s", ev.JobID, again[0].JobID, second[0].JobID)
	}
	if _, err := WebhookEvents("conferencepaid", "corp", amowebhook.Delivery{}, at, time.Minute); err == nil {
		t.Fatal("a payment form without phone and email must be refused")
	}
}

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
