package workflows

import (
	"testing"

	"go.temporal.io/sdk/testsuite"
)

// registerFlows registers every workflow and (zero) activity struct on a
// test environment, through the same registry as the worker and replayer.
func registerFlows(env *testsuite.TestWorkflowEnvironment, f *Flows) {
	f.RegisterWorkflows(env)
	acts := TestActivities()
	acts.RegisterMain(env)
	acts.RegisterAmo(env)
}

// TestEveryWebhookMethodAndOneCFlowIsRegistered: a flow a message or a
// webhook method can start must be in the registry, or the worker never
// picks it up.
func TestEveryWebhookMethodAndOneCFlowIsRegistered(t *testing.T) {
	all := (&Flows{}).Workflows()
	for method, m := range hookMethods {
		if _, ok := all[m.workflow]; !ok {
			t.Errorf("webhook method %s starts %s, which is not registered", method, m.workflow)
		}
	}
	for name := range oneCInputs {
		if _, ok := all[name]; !ok {
			t.Errorf("1C message flow %s is not registered", name)
		}
	}
	if len(all) != 44 {
		t.Errorf("%d workflows registered, want the 44 named in registry.go", len(all))
	}
}
