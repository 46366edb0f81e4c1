package testrig

import "testing"

// NeedsServers is the one mark of a test that needs PostgreSQL, RabbitMQ or
// a Temporal server (the embedded one included): under `go test -short` it
// skips the test, so the short tier runs with no server at all (README
// "Tests"). Call it first in such a test, or in the helper that hands the
// server out (storetest.New and NewURL do); what names the servers, for the
// skip message.
func NeedsServers(tb testing.TB, what string) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("needs %s: runs without -short (make test)", what)
	}
}
