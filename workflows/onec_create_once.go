package workflows

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// Creating a 1C object at most once. 1C has no lookup by amoCRM id, so a
// create whose answer was lost (a timeout, a dropped connection, a
// gateway's 504) cannot be found in 1C again: sending it again could make
// a second client. The outbox (activities.OneCCreate) remembers every
// create sent; when an earlier one never settled, the flow does not send
// another but asks an operator (a note and a task on the entity) and waits:
// for the GUID to appear in the entity's marker field (the operator found
// the object in 1C and typed its GUID in amoCRM), or for the signal
// SignalOneCCreate (the operator settles it from the Temporal UI).
//
// Residual risk: an operator who creates anyway while 1C does hold the
// object makes the duplicate by hand; and a create whose success was not
// recorded in the outbox (Postgres down at that moment) and whose GUID then
// failed to reach amoCRM is, on the next run, an unsure create too (asked,
// never duplicated).

// onecCreateChange is the GetVersion change id of the outbox: runs
// recorded before it replay sending the create directly.
const onecCreateChange = "onec-create-outbox"

// SignalOneCCreate settles an unsure create. Its payload is
// OneCCreateDecision.
const SignalOneCCreate = "onec-create"

// OneCCreateDecision is an operator's answer to an unsure create: the GUID
// of the object 1C does hold, or Create when 1C holds none.
type OneCCreateDecision struct {
	GUID   onec.GUID `json:"guid,omitempty"`
	Create bool      `json:"create,omitempty"`
}

// unsureCheck is how often a waiting create re-reads the marker field.
const unsureCheck = 5 * time.Minute

// Note and task of an unsure create (on the entity the object is for).
const (
	noteUnsureCreate = "1С не ответил на создание (%s): объект мог быть создан. Найдите его в 1С и впишите GUID в поле 1С этой карточки; если его нет, пошлите сигнал onec-create {\"create\":true} задаче %s"
	taskUnsureCreate = "Проверить в 1С: создание не подтверждено (%s)"
)

// createKey is the lease (and index) key of the entity a create is for:
// two runs creating the client of one contact take turns, and the second
// finds the first's create in the outbox.
func createKey(ref activities.AmoRef) string {
	return "1c:" + ref.Entity + ":" + strconv.FormatInt(ref.ID, 10)
}

// editFuture sends a create or update straight to 1C (the calls before the
// outbox).
func editFuture(ctx workflow.Context, in activities.OneCCreate) workflow.Future {
	switch {
	case in.Student != nil:
		return workflow.ExecuteActivity(ctx, oneC.OneCEditStudent, *in.Student)
	case in.Partner != nil:
		return workflow.ExecuteActivity(ctx, oneC.OneCEditPartner, *in.Partner)
	}
	return workflow.ExecuteActivity(ctx, oneC.OneCEditApplication, *in.Application)
}

// createOnce creates the object through the outbox, retried as
// createRetrying does; an unsure create waits for an operator, whose GUID
// ends it and whose "create" sends the create again, forced.
func (f *Flows) createOnce(ctx workflow.Context, s onecSettings, acct onecAccount, ref activities.AmoRef, fieldID int64,
	rec activities.AmoRecord, build func(activities.AmoRecord) activities.OneCCreate) (onec.GUID, error) {
	force := false
	return f.createRetrying(ctx, s, acct, ref, fieldID, rec, func(rec activities.AmoRecord) (onec.GUID, bool, error) {
		in := build(rec)
		in.Force, force = force, false
		var out activities.OneCCreated
		if err := workflow.ExecuteActivity(onceOptions(ctx, s), oneC.OneCCreate, in).Get(ctx, &out); err != nil || !out.Unsure {
			return out.GUID, false, err
		}
		d, err := f.awaitUnsure(ctx, s, acct, ref, fieldID, out.Reason)
		force = d.Create
		return d.GUID, d.Create, err
	})
}

// awaitUnsure asks an operator to settle an unsure create (one note and one
// task on the entity) and waits for the answer: a GUID in the marker field
// (checked every unsureCheck) or the signal. A GUID is recorded in the
// outbox. After UnsureWait the flow fails, naming the entity.
func (f *Flows) awaitUnsure(ctx workflow.Context, s onecSettings, acct onecAccount, ref activities.AmoRef, fieldID int64, reason string) (OneCCreateDecision, error) {
	actx := acct.amoOpts(ctx)
	job := workflow.GetInfo(ctx).WorkflowExecution.ID
	what := ref.Entity + " " + strconv.FormatInt(ref.ID, 10)
	workflow.GetLogger(ctx).Warn("1C create unsure, waiting for an operator", "entity", ref.Entity, "id", ref.ID, "reason", reason)
	note := activities.NoteInput{Account: acct.Name, Entity: ref.Entity, EntityID: ref.ID, Text: fmt.Sprintf(noteUnsureCreate, what, job)}
	if err := workflow.ExecuteActivity(actx, amo.AddNote, note).Get(ctx, nil); err != nil {
		return OneCCreateDecision{}, err
	}
	task := activities.AdminTaskInput{Account: acct.Name, Entity: ref.Entity, EntityID: ref.ID, TypeID: acct.OneC.TaskTypeID,
		ResponsibleID: acct.OneC.TaskResponsible, Text: fmt.Sprintf(taskUnsureCreate, what),
		CompleteTill: dueTomorrow(workflow.Now(ctx), acct.OneC.TaskDueHour)}
	if err := workflow.ExecuteActivity(actx, amo.AdminTask1C, task).Get(ctx, nil); err != nil {
		return OneCCreateDecision{}, err
	}

	signals := workflow.GetSignalChannel(ctx, SignalOneCCreate)
	deadline := workflow.Now(ctx).Add(s.UnsureWait)
	for {
		var d OneCCreateDecision
		got, _ := signals.ReceiveWithTimeout(ctx, unsureCheck, &d)
		if got && !d.Create && !d.GUID.Valid() {
			workflow.GetLogger(ctx).Warn("signal onec-create ignored: it names neither a GUID nor create")
			continue
		}
		if !got {
			var rec activities.AmoRecord
			if err := workflow.ExecuteActivity(actx, amo.ReadRecord1C, ref).Get(ctx, &rec); err != nil {
				return d, err
			}
			d.GUID = onec.GUID(rec.Fields[fieldID])
		}
		if d.Create || d.GUID.Valid() {
			settled := activities.OneCLink{Account: acct.Name, Entity: ref.Entity, ID: ref.ID}
			if !d.Create {
				settled.GUID = d.GUID
			}
			err := workflow.ExecuteActivity(storeOptions(ctx), oneC.OneCSettleCreate, settled).Get(ctx, nil)
			return d, err
		}
		if !workflow.Now(ctx).Before(deadline) {
			return d, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("the 1C create for %s in %s lost its answer and nobody settled it within %s", what, acct.Name, s.UnsureWait),
				activities.ErrOneCCreateUnsure, nil)
		}
	}
}
