package onec

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
)

func TestNothingCreated(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"400", &Error{Kind: KindRejected, Status: 400}, true},
		{"401", &Error{Kind: KindRejected, Status: 401}, true},
		{"429", &Error{Kind: KindRejected, Status: 429}, true},
		{"408 from a proxy", &Error{Kind: KindRejected, Status: 408}, false},
		{"500 from 1C", &Error{Kind: KindServer, Status: 500}, true},
		{"503", &Error{Kind: KindServer, Status: 503}, true},
		{"502 from a proxy", &Error{Kind: KindServer, Status: 502}, false},
		{"504 from a proxy", &Error{Kind: KindServer, Status: 504}, false},
		{"connection refused", &Error{Kind: KindTransport, Err: dial}, true},
		{"connection reset after sending", &Error{Kind: KindTransport, Err: read}, false},
		{"answer cut off", &Error{Kind: KindTransport, Err: io.ErrUnexpectedEOF}, false},
		{"timeout", &Error{Kind: KindTransport, Err: context.DeadlineExceeded}, false},
		{"empty 200", &Error{Kind: KindMalformed, Status: 200}, false},
		{"zero GUID", &Error{Kind: KindMissingID, Status: 200}, false},
		{"not a 1C error", errors.New("boom"), false},
	} {
		if got := NothingCreated(c.err); got != c.want {
			t.Errorf("%s: NothingCreated = %v, want %v", c.name, got, c.want)
		}
	}
}
