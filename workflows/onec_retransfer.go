package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/onec"
)

// retransferChange is the GetVersion change id of a re-transfer that reads
// 1C's application first: runs recorded before it replay sending amoCRM's
// application as it was (status ВРаботе, no payments).
const retransferChange = "onec-retransfer-keeps-1c-state"

// updateApplication updates an application 1C holds: it reads 1C's
// application, keeps its status and payments, lays amoCRM's fields over it
// (overlayApplication) and posts the result. When 1C has no such
// application any more, amoCRM's is sent as it is. 1C calls: GET and POST
// EditApplication.
func (f *Flows) updateApplication(ctx workflow.Context, s onecSettings, acct onecAccount, uid onec.GUID, amo onec.Application) (onec.GUID, error) {
	octx := onecOptions(ctx, s)
	var have *onec.Application
	if err := workflow.ExecuteActivity(octx, oneC.OneCGetApplication, uid).Get(ctx, &have); err != nil {
		return "", err
	}
	send := amo
	if have != nil {
		send = overlayApplication(*have, amo, acct.AccountID)
	}
	var app onec.GUID
	err := workflow.ExecuteActivity(octx, oneC.OneCEditApplication, send).Get(ctx, &app)
	return app, err
}
