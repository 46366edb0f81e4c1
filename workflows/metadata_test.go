package workflows

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"amoflow/activities"
	"amoflow/config"
)

func TestMetadataNamesTheWorkNotThePerson(t *testing.T) {
	cfg := &config.Config{Accounts: map[string]*config.Account{"retail": {Name: "retail", Subdomain: "mzpoeducationsale"}}}
	cfg.Temporal.SearchAttributes = true
	form := FormInput{JobID: "form-retail-1", Account: "retail", Fields: map[string]string{
		"name": "Мария", "phone": "8 (916) 123-45-67", "email": "maria@example.ru", "comment": "Перезвоните",
		"form_name_site": "Заявка с формы\nЗаписаться", "site": "www.mzpo-s.ru",
	}}
	hook := WebhookInput{JobID: "wh-1", Account: "retail", Method: "ret2corp", Events: []HookEvent{{Entity: "leads", ID: 77}}}
	for _, tc := range []struct {
		flow      string
		arg       any
		source    string
		inSummary []string
		inDetails []string
		notShown  []string
		preTagged bool
		wantAcct  string
	}{
		{CreateLeadFromFormName, form, "form/mzpo-s.ru/Заявка с формы Записаться",
			[]string{"Заявка с формы Записаться", "mzpo-s.ru", "retail"}, []string{"CreateLeadFromForm", "form-retail-1"},
			[]string{"Мария", "916", "maria", "Перезвоните"}, true, "retail"},
		{HandleWebhookName, hook, "webhook/retail/ret2corp",
			[]string{"ret2corp", "1 event"}, []string{"[77](https://mzpoeducationsale.amocrm.ru/leads/detail/77)"}, nil, false, "retail"},
		{UchebaImportName, &UchebaImportInput{Day: "2026-12-01"}, "ucheba/import",
			[]string{"ucheba.ru import of 2026-12-01"}, []string{"UchebaImport"}, nil, false, ""},
	} {
		opts := client.StartWorkflowOptions{}
		if tc.preTagged {
			opts.TypedSearchAttributes = temporal.NewSearchAttributes(AmoAccountKey.ValueSet("retail"))
		}
		(&Metadata{Config: cfg}).Apply(&opts, tc.flow, tc.arg)
		for _, s := range tc.inSummary {
			if !strings.Contains(opts.StaticSummary, s) {
				t.Errorf("%s: summary %q lacks %q", tc.flow, opts.StaticSummary, s)
			}
		}
		for _, s := range tc.inDetails {
			if !strings.Contains(opts.StaticDetails, s) {
				t.Errorf("%s: details %q lack %q", tc.flow, opts.StaticDetails, s)
			}
		}
		for _, s := range tc.notShown {
			if strings.Contains(opts.StaticSummary+opts.StaticDetails, s) {
				t.Errorf("%s: metadata shows %q", tc.flow, s)
			}
		}
		if src, _ := opts.TypedSearchAttributes.GetKeyword(AmoSourceKey); src != tc.source {
			t.Errorf("%s: AmoSource %q, want %q", tc.flow, src, tc.source)
		}
		if acct, _ := opts.TypedSearchAttributes.GetKeyword(AmoAccountKey); acct != tc.wantAcct {
			t.Errorf("%s: AmoAccount %q lost", tc.flow, acct)
		}
	}

	var nilMeta *Metadata
	opts := client.StartWorkflowOptions{}
	nilMeta.Apply(&opts, CreateLeadFromFormName, form)
	if opts.StaticSummary != "" {
		t.Error("a nil Metadata wrote a summary")
	}
}

func TestLeadLinkInCurrentDetails(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := testFlows()
	f.Config.Accounts["retail"].Subdomain = "mzpoeducationsale"
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{f.Interceptor()}})
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(AmoAccountKey.ValueSet("retail"))); err != nil {
		t.Fatal(err)
	}
	registerFlows(env, f)
	freeLeases(env)
	env.OnActivity(amo.SearchContacts, mock.Anything, mock.Anything).Return(nil, nil)
	env.OnActivity(amo.CreateLead, mock.Anything, mock.Anything).Return(activities.CreatedLead{LeadID: 100, ContactID: 200}, nil)
	env.OnActivity(amo.AddNote, mock.Anything, mock.Anything).Return(int64(1), nil)
	mustRun(t, env, CreateLeadFromFormName, form)
	v, err := env.QueryWorkflow("__temporal_workflow_metadata")
	if err != nil {
		t.Fatal(err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	if want := "[100](https://mzpoeducationsale.amocrm.ru/leads/detail/100)"; !strings.Contains(md.GetCurrentDetails(), want) {
		t.Errorf("current details %q lack %s", md.GetCurrentDetails(), want)
	}
	for _, pii := range []string{"Мария", "916", "Maria"} {
		if strings.Contains(md.GetCurrentDetails(), pii) {
			t.Errorf("current details show %q", pii)
		}
	}
}
