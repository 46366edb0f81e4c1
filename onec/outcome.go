package onec

import (
	"errors"
	"net"
	"net/http"
)

// NothingCreated reports whether a failed create surely left nothing in
// 1C, so it may be sent again. 1C runs a request in one transaction: a 4xx
// refused it, and a 500 or 503 answered by 1C itself rolled it back; a
// connection that was never made sent nothing. Everything else may have
// created the object whose GUID never came back: a timeout or a connection
// lost after the request went out (1C finishes a request whose caller left),
// a 502 or 504 from a proxy that gave up waiting, and a 200 without a
// usable GUID.
func NothingCreated(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindRejected:
		return e.Status != http.StatusRequestTimeout
	case KindServer:
		return e.Status == http.StatusInternalServerError || e.Status == http.StatusServiceUnavailable
	case KindTransport:
		var op *net.OpError
		return errors.As(e.Err, &op) && op.Op == "dial"
	}
	return false
}
