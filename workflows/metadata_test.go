package workflows

import (
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

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
