package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"amoflow/config"
	"amoflow/ucheba"
	"amoflow/ucheba/uchebafake"
)

// startDevFakeUcheba serves the fake ucheba.ru API (ucheba/uchebafake) on
// a free local port with two requests for yesterday (in the schedule's
// zone), points ucheba.base_url at it and turns the import on, so the
// Schedule shows in the dev Temporal UI and GET /wh/nightly or amoflow
// import ucheba imports them.
func startDevFakeUcheba(ctx context.Context, cfg *config.Config, now time.Time) error {
	u := &cfg.Ucheba
	if u.BaseURL != "" {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake ucheba.ru: %w", err)
	}
	if u.Token == "" {
		u.Token = "dev-ucheba-token"
	}
	if u.Institution == 0 {
		u.Institution = 9915
	}
	loc, err := u.Location()
	if err != nil {
		loc = time.UTC
	}
	fake := uchebafake.New(u.Token, u.Institution)
	fake.Add(now.In(loc).AddDate(0, 0, -1).Format(ucheba.DayLayout), devUchebaLeads...)
	go func() { _ = serveUntil(ctx, ln, fake) }()
	u.BaseURL = "http://" + ln.Addr().String() + "/v1"
	u.Enabled = true
	slog.Info("dev: fake ucheba.ru", "base_url", u.BaseURL, "institution", u.Institution)
	return nil
}

// devUchebaLeads are the fake's requests: a learning request and a question.
var devUchebaLeads = []ucheba.Lead{
	{ID: 1, Person: &ucheba.Person{ID: 11, FullName: "Анна Учебная", Phone: "+79160000001"},
		LastActivity: &ucheba.Activity{ID: 101, Type: &ucheba.ActivityType{Value: ucheba.TypeLearningRequest},
			LearningRequest: &ucheba.LearningRequest{ID: 201, Program: &ucheba.Program{ID: 301, Name: "Медицинский массаж"}}}},
	{ID: 2, Person: &ucheba.Person{ID: 12, FullName: "Олег Вопросов", Email: "oleg@example.ru"},
		LastActivity: &ucheba.Activity{ID: 102, Type: &ucheba.ActivityType{Value: ucheba.TypeQuestion},
			Question: &ucheba.Question{ID: 202, Text: "Есть ли вечерние группы?"}}},
}
