package workflows

import "go.temporal.io/sdk/workflow"

// Corp2RetFail closes the retail lead as lost when its corporate lead is
// lost (docs/flows.md#corp2ret_fail, webhook corp2ret_fail), as the old code
// intended and never did: status 143 in its own pipeline, the corporate
// price when there is one. See closeRetailLead.
func (f *Flows) Corp2RetFail(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return serialized(ctx, ev, f.corp2RetFail)
}

// corp2RetFail is Corp2RetFail, done holding the lease on the event's entity.
func (f *Flows) corp2RetFail(ctx workflow.Context, ev HookEvent) (*HookResult, error) {
	return f.closeRetailLead(ctx, ev, statusLost)
}
