package e2e

import (
	"testing"

	"amoflow/internal/testrig"
)

// newProxy puts a cuttable TCP proxy in front of target for the test: cut,
// it is what a dying broker or database looks like from amoflow's side,
// without disturbing the other tests that share the real services.
func newProxy(t *testing.T, target string) *testrig.Proxy {
	t.Helper()
	p, err := testrig.NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}
