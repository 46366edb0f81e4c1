package mq

import (
	"errors"
	"fmt"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestLimitMismatch(t *testing.T) {
	pf := func(reason string) error {
		return fmt.Errorf("mq: declare: %w", &amqp.Error{Code: amqp.PreconditionFailed, Reason: reason})
	}
	n := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		err     error
		arg     string
		current *int64
		ok      bool
	}{
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'a.forms' in vhost '/': received '20' but current is '10'"), "x-max-length", n(10), true},
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'a.forms' in vhost '/': received '20' but current is none"), "x-max-length", nil, true},
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'a.dead' in vhost '/': received the value '3600000' of type 'long' but current is the value '60000' of type 'long'"), "x-message-ttl", n(60000), true},
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'a.dead' in vhost '/': received none but current is the value '60000' of type 'long'"), "x-message-ttl", n(60000), true},
		// Not a limit: the delivery limit and the queue type must match.
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'a.forms' in vhost '/': received '3' but current is '20'"), "", nil, false},
		{pf("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'a.forms' in vhost '/': received 'quorum' but current is 'classic'"), "", nil, false},
		{&amqp.Error{Code: amqp.NotFound, Reason: "NOT_FOUND - inequivalent arg 'x-max-length' but current is none"}, "", nil, false},
		{errors.New("inequivalent arg 'x-max-length' but current is none"), "", nil, false},
	} {
		arg, current, ok := limitMismatch(c.err)
		if arg != c.arg || ok != c.ok || (current == nil) != (c.current == nil) || (current != nil && *current != *c.current) {
			t.Errorf("limitMismatch(%v) = %q, %v, %v; want %q, %v, %v", c.err, arg, current, ok, c.arg, c.current, c.ok)
		}
	}
}
