package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/activities"
)

// The registry: every workflow type name, and THE list of workflows and
// activities that the worker (app.Workers), the replayer (replay_test.go)
// and the test environments register. A new flow adds its name here, its
// function to Workflows, and any new activity struct to Activities.
//
// Workflow type names and activity names are recorded in every history:
// renaming one breaks replay of work in flight. An activity's name is its Go
// method name (the struct type's name is not recorded), so methods keep
// their names; the handles below may be renamed freely.

// Workflow type names, used by the bridge to start them, by HandleWebhook and
// the 1C flows to start children, and by the worker to register them.
const (
	// Site forms.
	CreateLeadFromFormName = "CreateLeadFromForm"
	// The nightly ucheba.ru import: started by its Temporal Schedule, by
	// GET /wh/nightly (a 1C-kind job) and by amoflow import ucheba.
	UchebaImportName = "UchebaImport"

	// amoCRM webhooks: HandleWebhook and the flows it starts as children
	// (hook_methods.go maps each webhook method to one of them).
	HandleWebhookName = "HandleWebhook"
	Ret2CorpName      = "Ret2Corp"
	Corp2RetName      = "Corp2Ret"
	Corp2RetFailName  = "Corp2RetFail"
	Corp2AgrName      = "Corp2Agr"
	Agr2CorpName      = "Agr2Corp"
	AvitoLeadName     = "AvitoLead"
	ProcessEventsName = "ProcessEvents"
	EditContactName   = "EditContact"
	// The old C# processor's automations (hook_initial_lead.go, hook_course.go,
	// hook_unsorted_accept.go).
	InitialLeadName      = "InitialLead"
	UnsortedAcceptName   = "UnsortedAccept"
	SetCourseName        = "SetCourse"
	CapitalizeCourseName = "CapitalizeCourse"

	// The C# integration's hook flows (hook_respchange.go … hook_ppie.go).
	RespChangeName         = "RespChange"
	CheckDoubleName        = "CheckDouble"
	ConferencePaidName     = "ConferencePaid"
	RetailPaidName         = "RetailPaid"
	Corp2RetailName        = "Corp2Retail"
	Corp2RetailSuccessName = "Corp2RetailSuccess"
	Corp2RetailFailName    = "Corp2RetailFail"
	CreateLKName           = "CreateLK"
	WebinarAdmissionName   = "WebinarAdmission"
	PPIEName               = "PPIE"

	// amoCRM → 1C (started by webhooks and by 1C routes).
	Sync1COrderName         = "Sync1COrder"
	ChangeResponsible1CName = "ChangeResponsible1C"
	UpdateOneCName          = "UpdateOneC"    // updateclient(_corp), updatecompany, updatelead(_corp)
	SaveClient1CName        = "SaveClient1C"  // saveclient(_corp)
	SaveCompany1CName       = "SaveCompany1C" // savecompany

	// 1C → amoCRM (started by the 1C routes; onec_jobs.go decodes their inputs).
	ClientFrom1CName   = "ClientFrom1C"
	CompanyFrom1CName  = "CompanyFrom1C"
	OrderFrom1CName    = "OrderFrom1C"
	CourseFrom1CName   = "CourseFrom1C"
	DeleteCourse1CName = "DeleteCourse1C"
	StudyGroupLeadName = "StudyGroupLead"
	CorpLeadByINNName  = "CorpLeadByINN"
	ListManagersName   = "ListManagers"
	// What 1C posts to the old notice URLs, kept for an operator (onec_notice.go).
	OneCNoticeName = "OneCNotice"

	// The old PHP widgets inside amoCRM (widget_*.go), started like the 1C
	// flows by the starter's widget routes.
	CompanyFromEGRULName = "CompanyFromEGRUL"
	RemoteManagerName    = "RemoteManager"
	ContactLeadsName     = "ContactLeads"
	DashboardName        = "Dashboard"
	// The old C# host's lead tasks (widget_lead_tasks.go).
	LeadTasksName = "LeadTasks"
)

// Workflows are every workflow by type name.
func (f *Flows) Workflows() map[string]any {
	return map[string]any{
		CreateLeadFromFormName: f.CreateLeadFromForm,
		UchebaImportName:       f.UchebaImport,

		HandleWebhookName: f.HandleWebhook,
		Ret2CorpName:      f.Ret2Corp,
		Corp2RetName:      f.Corp2Ret,
		Corp2RetFailName:  f.Corp2RetFail,
		Corp2AgrName:      f.Corp2Agr,
		Agr2CorpName:      f.Agr2Corp,
		AvitoLeadName:     f.AvitoLead,
		ProcessEventsName: f.ProcessEvents,
		EditContactName:   f.EditContact,

		InitialLeadName:        f.InitialLead,
		UnsortedAcceptName:     f.UnsortedAccept,
		SetCourseName:          f.SetCourse,
		CapitalizeCourseName:   f.CapitalizeCourse,
		RespChangeName:         f.RespChange,
		CheckDoubleName:        f.CheckDouble,
		ConferencePaidName:     f.ConferencePaid,
		RetailPaidName:         f.RetailPaid,
		Corp2RetailName:        f.Corp2Retail,
		Corp2RetailSuccessName: f.Corp2RetailSuccess,
		Corp2RetailFailName:    f.Corp2RetailFail,
		CreateLKName:           f.CreateLK,
		WebinarAdmissionName:   f.WebinarAdmission,
		PPIEName:               f.PPIE,

		Sync1COrderName:         f.Sync1COrder,
		ChangeResponsible1CName: f.ChangeResponsible1C,
		UpdateOneCName:          f.UpdateOneC,
		SaveClient1CName:        f.SaveClient1C,
		SaveCompany1CName:       f.SaveCompany1C,

		ClientFrom1CName:   f.ClientFrom1C,
		CompanyFrom1CName:  f.CompanyFrom1C,
		OrderFrom1CName:    f.OrderFrom1C,
		CourseFrom1CName:   f.CourseFrom1C,
		DeleteCourse1CName: f.DeleteCourse1C,
		StudyGroupLeadName: f.StudyGroupLead,
		CorpLeadByINNName:  f.CorpLeadByINN,
		ListManagersName:   f.ListManagers,
		OneCNoticeName:     f.OneCNotice,

		CompanyFromEGRULName: f.CompanyFromEGRUL,
		RemoteManagerName:    f.RemoteManager,
		ContactLeadsName:     f.ContactLeads,
		DashboardName:        f.Dashboard,
		LeadTasksName:        f.LeadTasks,
	}
}

// WorkflowRegistrar is satisfied by worker.Worker, the replayer
// (worker.WorkflowReplayer) and testsuite.TestWorkflowEnvironment.
type WorkflowRegistrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// ActivityRegistrar is satisfied by worker.Worker and
// testsuite.TestWorkflowEnvironment.
type ActivityRegistrar interface {
	RegisterActivity(a any)
}

// RegisterWorkflows registers every workflow under its type name.
func (f *Flows) RegisterWorkflows(r WorkflowRegistrar) {
	for name, fn := range f.Workflows() {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
}

// Activities are the activity structs of a worker process. Amo runs on each
// account's amoCRM task queue, rate limited to the account's budget; the
// others run on the main task queue (docs/architecture.md#temporal-task-queues).
type Activities struct {
	Amo     *activities.Amo     // amoCRM: every flow's, the 1C flows' records included
	OneC    *activities.OneC    // 1C calls, echo marks and GUID links (Postgres)
	PG      *activities.Store   // Postgres: round robin
	Events  *activities.Events  // the site's events API
	Leases  *activities.Leases  // per-person and per-entity leases, amo_index (Postgres, Temporal)
	LK      *activities.LK      // the students' personal account service (createlk)
	Webinar *activities.Webinar // webinar.ru (webinar_admission)
	// Widgets are the widget flows' amoCRM reads (pipelines, a page of
	// leads), on the account's queue; EGRUL the company register.
	Widgets *activities.Widgets
	EGRUL   *activities.EGRUL
	Ucheba  *activities.Ucheba // ucheba.ru's API (the nightly import)
}

// RegisterMain registers the activities of the main task queue: all but amoCRM's.
func (a Activities) RegisterMain(r ActivityRegistrar) {
	r.RegisterActivity(a.OneC)
	r.RegisterActivity(a.PG)
	r.RegisterActivity(a.Events)
	r.RegisterActivity(a.Leases)
	r.RegisterActivity(a.LK)
	r.RegisterActivity(a.Webinar)
	r.RegisterActivity(a.EGRUL)
	r.RegisterActivity(a.Ucheba)
}

// RegisterAmo registers the amoCRM activities, on an account's worker.
func (a Activities) RegisterAmo(r ActivityRegistrar) {
	r.RegisterActivity(a.Amo)
	r.RegisterActivity(a.Widgets)
}

// TestActivities are zero activity structs, for test environments that mock
// every call (env.OnActivity) and register them with RegisterMain and
// RegisterAmo on one environment.
func TestActivities() Activities {
	return Activities{Amo: &activities.Amo{}, OneC: &activities.OneC{}, PG: &activities.Store{},
		Events: &activities.Events{}, Leases: &activities.Leases{}, LK: &activities.LK{}, Webinar: &activities.Webinar{},
		Widgets: &activities.Widgets{}, EGRUL: &activities.EGRUL{}, Ucheba: &activities.Ucheba{}}
}

// Activity handles: workflow code names activity methods through them
// (workflow.ExecuteActivity(ctx, amo.ReadLead, …)); they are never
// dereferenced, Temporal calls the worker's instances registered above.
var (
	amo    *activities.Amo
	oneC   *activities.OneC
	pg     *activities.Store
	events *activities.Events
	leases *activities.Leases

	lkService      *activities.LK
	webinarService *activities.Webinar
	// The widget flows'.
	widgets  *activities.Widgets
	register *activities.EGRUL
	// The ucheba.ru import's.
	uchebaService *activities.Ucheba
)
