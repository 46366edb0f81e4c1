package lk

import (
	"context"
	"net/http/httptest"
	"testing"
)

func TestRegisterThroughTheFake(t *testing.T) {
	f := NewFake()
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := New(srv.URL, 0)
	ctx := context.Background()
	a, err := c.Register(ctx, Student{Email: "a@example.ru", AmoID: "1"})
	if err != nil || a.User == 0 {
		t.Fatalf("register: %+v %v", a, err)
	}
	again, err := c.Register(ctx, Student{Email: "a@example.ru", AmoID: "1"})
	if err != nil || again.User != a.User {
		t.Errorf("the same contact again: %+v %v, want the same account", again, err)
	}
	taken, err := c.Register(ctx, Student{Email: "a@example.ru", AmoID: "2"})
	if err != nil || taken.User != 0 || len(taken.Email) != 1 {
		t.Errorf("another contact with the email: %+v %v, want a refusal with the reason", taken, err)
	}
	f.FailNext(1)
	if _, err := c.Register(ctx, Student{Email: "b@example.ru", AmoID: "3"}); !IsRetryable(err) {
		t.Errorf("502: %v, want retryable", err)
	}
	if _, err := (&Client{}).Register(ctx, Student{}); err == nil || IsRetryable(err) {
		t.Errorf("no base URL: %v", err)
	}
}
