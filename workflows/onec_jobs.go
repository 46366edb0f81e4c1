package workflows

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
	"amoflow/onec"
)

// OneCJob is the body of a RabbitMQ message of kind "1c": which flow to
// start and its input (JSON).
type OneCJob struct {
	Flow  string          `json:"flow"`
	Input json.RawMessage `json:"input"`
}

// oneCInputs makes an empty input for each flow a 1C message may start.
var oneCInputs = map[string]func() any{
	ClientFrom1CName:        func() any { return new(ClientFrom1CInput) },
	CompanyFrom1CName:       func() any { return new(CompanyFrom1CInput) },
	OrderFrom1CName:         func() any { return new(OrderFrom1CInput) },
	CourseFrom1CName:        func() any { return new(CourseFrom1CInput) },
	DeleteCourse1CName:      func() any { return new(DeleteCourseInput) },
	StudyGroupLeadName:      func() any { return new(StudyGroupInput) },
	CorpLeadByINNName:       func() any { return new(CorpLeadInput) },
	ListManagersName:        func() any { return new(ListManagersInput) },
	Sync1COrderName:         func() any { return new(Sync1COrderInput) },
	ChangeResponsible1CName: func() any { return new(ChangeResponsibleInput) },
	CompanyFromEGRULName:    func() any { return new(CompanyEGRULInput) },
	RemoteManagerName:       func() any { return new(RemoteManagerInput) },
	ContactLeadsName:        func() any { return new(ContactLeadsInput) },
	DashboardName:           func() any { return new(DashboardInput) },
	OneCNoticeName:          func() any { return new(OneCNoticeInput) },
	LeadTasksName:           func() any { return new(LeadTasksInput) },
	UchebaImportName:        func() any { return new(UchebaImportInput) }, // GET /wh/nightly
}

// DecodeOneCJob reads a 1C message into the flow to start and its input.
func DecodeOneCJob(body []byte) (flow string, input any, err error) {
	var job OneCJob
	if err := json.Unmarshal(body, &job); err != nil {
		return "", nil, fmt.Errorf("1c message body is not a job: %v", err)
	}
	mk, ok := oneCInputs[job.Flow]
	if !ok {
		return "", nil, fmt.Errorf("1c message names no known flow: %q", job.Flow)
	}
	in := mk()
	if err := json.Unmarshal(job.Input, in); err != nil {
		return "", nil, fmt.Errorf("1c message input is not valid for %s: %v", job.Flow, err)
	}
	return job.Flow, in, nil
}

// NewOneCJob encodes a 1C message body.
func NewOneCJob(flow string, input any) ([]byte, error) {
	if _, ok := oneCInputs[flow]; !ok {
		return nil, fmt.Errorf("unknown 1C flow %q", flow)
	}
	in, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	return json.Marshal(OneCJob{Flow: flow, Input: in})
}

// AmoIDsResult is the answer 1C reads back: where the object lives in amoCRM.
type AmoIDsResult struct {
	AmoIDs []onec.AmoID `json:"amo_ids"`
}

// Helpers shared by the 1C → amoCRM flows.

// recall returns the amoCRM entity linked to a 1C object and still present
// (0 when none); a link to a vanished entity is forgotten.
func (f *Flows) recall(ctx workflow.Context, acct onecAccount, entity string, catalogID int64, uid onec.GUID) (activities.AmoRecord, error) {
	if !uid.Valid() {
		return activities.AmoRecord{}, nil
	}
	link := activities.OneCLink{Account: acct.Name, Entity: entity, GUID: uid}
	var id int64
	if err := workflow.ExecuteActivity(storeOptions(ctx), oneC.RecallOneC, link).Get(ctx, &id); err != nil || id == 0 {
		return activities.AmoRecord{}, err
	}
	rec, err := f.read(ctx, acct, entity, catalogID, id)
	if err == nil && rec.ID == 0 {
		link.ID = id
		err = workflow.ExecuteActivity(storeOptions(ctx), oneC.ForgetOneC, link).Get(ctx, nil)
	}
	return rec, err
}

// read reads one entity; a zero record when it does not exist.
func (f *Flows) read(ctx workflow.Context, acct onecAccount, entity string, catalogID, id int64) (activities.AmoRecord, error) {
	var rec activities.AmoRecord
	if id == 0 {
		return rec, nil
	}
	ref := activities.AmoRef{Account: acct.Name, Entity: entity, ID: id, CatalogID: catalogID}
	err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.ReadRecord1C, ref).Get(ctx, &rec)
	return rec, err
}

// search runs amoCRM's search; the caller verifies the hits.
func (f *Flows) search(ctx workflow.Context, acct onecAccount, entity string, catalogID int64, query string) ([]activities.AmoRecord, error) {
	if query == "" {
		return nil, nil
	}
	var hits []activities.AmoRecord
	in := activities.AmoSearch{Account: acct.Name, Entity: entity, CatalogID: catalogID, Query: query}
	err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Search1C, in).Get(ctx, &hits)
	return hits, err
}

// write creates or updates one entity and returns its id.
func (f *Flows) write(ctx workflow.Context, acct onecAccount, w activities.AmoWrite) (int64, error) {
	w.Account = acct.Name
	var id int64
	err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Write1C, w).Get(ctx, &id)
	return id, err
}

// written records what a 1C flow wrote: the GUID link, and the echo mark
// that keeps the write from bouncing back to 1C.
func (f *Flows) written(ctx workflow.Context, acct onecAccount, entity string, uid onec.GUID, id int64) error {
	sctx := storeOptions(ctx)
	if uid.Valid() {
		link := activities.OneCLink{Account: acct.Name, Entity: entity, GUID: uid, ID: id}
		if err := workflow.ExecuteActivity(sctx, oneC.RememberOneC, link).Get(ctx, nil); err != nil {
			return err
		}
	}
	if entity == "catalog_elements" {
		return nil // amoCRM sends no webhooks for catalogs
	}
	return workflow.ExecuteActivity(sctx, oneC.MarkEcho, activities.EchoInput{Account: acct.Name, Entity: entity, IDs: []int64{id}}).Get(ctx, nil)
}

// users lists an account's users.
func (f *Flows) users(ctx workflow.Context, acct onecAccount) ([]activities.AmoUser, error) {
	var users []activities.AmoUser
	err := workflow.ExecuteActivity(acct.amoOpts(ctx), amo.Users1C, acct.Name).Get(ctx, &users)
	return users, err
}

// userByName finds an active user by their full name (1C and the LK name
// managers, amoCRM ids them); 0 when none matches.
func userByName(users []activities.AmoUser, names ...string) int64 {
	for _, n := range names {
		if n == "" {
			continue
		}
		for _, u := range users {
			if u.Active && sameName(u.Name, n) {
				return u.ID
			}
		}
	}
	return 0
}
