package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// Notes of the change of responsible (docs/flows.md#changeresponsible1c).
const (
	noteRespPending = "Производится смена ответственного в 1с. Пожалуйста подождите."
	noteRespChanged = "Ответственный в сделке успешно изменен!"
	noteRespFailed  = "Произошла ошибка"
)

// ChangeResponsibleResult is what a finished ChangeResponsible1C reports.
type ChangeResponsibleResult struct {
	Status   string `json:"status"` // changed
	Notified bool   `json:"notified,omitempty"`
}

// ChangeResponsible1C changes the responsible person of a 1C contract
// (lk_editdata changeotv, docs/flows.md#changeresponsible1c and docs/flows.md#changeresponsible1c): a note that
// it is under way, the 1C call (retried with backoff for onec.retry_for),
// a note that it succeeded and, only then, the caller's callback (Sensei).
// When 1C keeps failing: the note "Произошла ошибка", an admin task, and
// the workflow fails.
//
// amoCRM calls: 2 notes. 1C calls: lk_editdata.
func (f *Flows) ChangeResponsible1C(ctx workflow.Context, in ChangeResponsibleInput) (*ChangeResponsibleResult, error) {
	s, err := f.onecSettings(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(in.Account)
	if err != nil {
		return nil, err
	}
	tagLead(ctx, s.SearchAttributes, in.LeadID)
	actx := acct.amoOpts(ctx)
	if err := f.note(actx, acct.Name, in.LeadID, noteRespPending); err != nil {
		return nil, err
	}
	call := activities.ChangeResponsibleCall{ContractUID: in.ContractUID, Resp: in.Resp}
	if err := workflow.ExecuteActivity(onecOptions(ctx, s), oneC.OneCChangeResponsible, call).Get(ctx, nil); err != nil {
		f.reportFailure(ctx, acct, in.LeadID, noteRespFailed, taskTransferFail)
		return nil, err
	}
	if err := f.note(actx, acct.Name, in.LeadID, noteRespChanged); err != nil {
		return nil, err
	}
	res := &ChangeResponsibleResult{Status: "changed"}
	if in.CallbackURL != "" {
		if err := workflow.ExecuteActivity(onecOptions(ctx, s), oneC.NotifyCallback, in.CallbackURL).Get(ctx, nil); err != nil {
			return nil, err
		}
		res.Notified = true
	}
	return res, nil
}
