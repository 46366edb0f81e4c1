package workflows

import "go.temporal.io/sdk/worker"

// A fixed binary checksum spares the first activity of the test process
// hashing the test binary: on a loaded machine that takes longer than the
// test environment's 1 s deadlock detector allows, and fails whichever
// testsuite test happens to run first.
func init() { worker.SetBinaryChecksum("amoflow-workflows-test") }
