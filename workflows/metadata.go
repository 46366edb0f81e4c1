package workflows

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"amoflow/config"
)

// AmoSourceKey names where a job came from, as a path an operator can
// filter on with STARTS_WITH: "form/{site}/{form name}",
// "webhook/{account}/{method}", "1c/{flow}".
var AmoSourceKey = temporal.NewSearchAttributeKeyKeyword("AmoSource")

// Metadata is what the Temporal UI shows of each job: a one-line summary
// and details (flow, source, account, lead links), never personal data.
type Metadata struct {
	Config *config.Config
}

// Apply sets opts' summary and details and, when search attributes are on,
// AmoSource next to the attributes already set. A nil Metadata does nothing.
func (m *Metadata) Apply(opts *client.StartWorkflowOptions, flow string, arg any) {
	if m == nil {
		return
	}
	d := describe(flow, arg)
	opts.StaticSummary = d.summary
	opts.StaticDetails = d.details(m.Config)
	if m.Config != nil && m.Config.Temporal.SearchAttributes {
		sa := []temporal.SearchAttributeUpdate{AmoSourceKey.ValueSet(d.source)}
		if acct, ok := opts.TypedSearchAttributes.GetKeyword(AmoAccountKey); ok {
			sa = append(sa, AmoAccountKey.ValueSet(acct))
		} else if d.account != "" {
			sa = append(sa, AmoAccountKey.ValueSet(d.account))
		}
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(sa...)
	}
}

// description is a job's metadata before formatting.
type description struct {
	flow, source, summary, account, job string
	leads                               []int64 // lead ids known at start
}

func describe(flow string, arg any) description {
	d := description{flow: flow, source: "other/" + flow, summary: flow}
	switch in := arg.(type) {
	case FormInput:
		site := strings.TrimPrefix(clean(in.Fields["site"]), "www.")
		form := clean(in.Fields["form_name_site"])
		d.account, d.job = in.Account, in.JobID
		d.source = "form/" + orDash(site) + "/" + orDash(form)
		d.summary = fmt.Sprintf("Site form «%s» from %s → %s", orDash(form), orDash(site), orDash(in.Account))
	case WebhookInput:
		d.account, d.job = in.Account, in.JobID
		d.source = "webhook/" + in.Account + "/" + in.Method
		d.summary = fmt.Sprintf("amoCRM webhook %s from %s, %d event(s)", in.Method, in.Account, len(in.Events))
		for _, ev := range in.Events {
			if ev.Entity == "leads" && ev.ID != 0 {
				d.leads = append(d.leads, ev.ID)
			}
		}
	case *UchebaImportInput: // as the bridge decodes it
		d.source = "ucheba/import"
		d.summary = "ucheba.ru import of " + orDash(in.Day)
	default:
		if widgetFlows[flow] {
			d.source = "widget/" + flow
			d.summary = "amoCRM widget → " + flow
		} else if _, ok := oneCInputs[flow]; ok {
			d.source = "1c/" + flow
			d.summary = "1C request → " + flow
		}
	}
	return d
}

func (d description) details(cfg *config.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Flow** %s  \n**Source** `%s`", d.flow, d.source)
	if d.account != "" {
		fmt.Fprintf(&b, "  \n**Account** %s", d.account)
	}
	if d.job != "" {
		fmt.Fprintf(&b, "  \n**Job** %s", d.job)
	}
	for _, id := range d.leads {
		fmt.Fprintf(&b, "  \n**amoCRM lead** %s", leadLink(cfg, d.account, id))
	}
	return b.String()
}

// hookChildMetadata is the summary and details of a webhook event's flow.
func hookChildMetadata(cfg *config.Config, in WebhookInput, ev HookEvent, flow string) (summary, details string) {
	summary = fmt.Sprintf("amoCRM webhook %s: %s %d in %s", in.Method, ev.Entity, ev.ID, in.Account)
	if ev.ID == 0 { // a flat form (a payment): no entity to name, and no personal data in a summary
		summary = fmt.Sprintf("amoCRM webhook %s: a form in %s", in.Method, in.Account)
	}
	details = fmt.Sprintf("**Flow** %s  \n**Source** `webhook/%s/%s`  \n**Account** %s  \n**Delivery job** %s",
		flow, in.Account, in.Method, in.Account, in.JobID)
	if ev.Entity == "leads" && ev.ID != 0 {
		details += "  \n**amoCRM lead** " + leadLink(cfg, in.Account, ev.ID)
	}
	return summary, details
}

// leadLink is a markdown link to the lead in its account, or the bare id
// when the account's address is unknown.
func leadLink(cfg *config.Config, account string, id int64) string {
	base := accountBase(cfg, account)
	if base == "" {
		return fmt.Sprint(id)
	}
	return fmt.Sprintf("[%d](%s/leads/detail/%d)", id, base, id)
}

func accountBase(cfg *config.Config, account string) string {
	if cfg == nil {
		return ""
	}
	a := cfg.Accounts[account]
	switch {
	case a == nil:
		return ""
	case a.BaseURL != "":
		return strings.TrimRight(a.BaseURL, "/")
	case a.Subdomain != "":
		return "https://" + a.Subdomain + ".amocrm.ru"
	}
	return ""
}

// clean makes a form's free text fit a one-line label.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// currentLead shows the lead a workflow works on in the UI ("current
// details", answered by a query: not in history, no replay concern).
func currentLead(ctx workflow.Context, leadID int64) {
	cfg, _ := ctx.Value(configKey{}).(*config.Config)
	acct, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(AmoAccountKey)
	workflow.SetCurrentDetails(ctx, "**amoCRM lead** "+leadLink(cfg, acct, leadID))
}

type configKey struct{}

// Interceptor hands every workflow of the worker the configuration, so that
// the lead links in its current details name the account's address.
func (f *Flows) Interceptor() interceptor.WorkerInterceptor {
	return &configInterceptor{cfg: f.Config}
}

type configInterceptor struct {
	interceptor.WorkerInterceptorBase
	cfg *config.Config
}

func (i *configInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &configInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, cfg: i.cfg}
}

type configInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	cfg *config.Config
}

func (w *configInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return w.Next.ExecuteWorkflow(workflow.WithValue(ctx, configKey{}, w.cfg), in)
}

// hookChildAttributes tags a webhook event's flow with its account and source.
func hookChildAttributes(cfg *config.Config, in WebhookInput) temporal.SearchAttributes {
	if cfg == nil || !cfg.Temporal.SearchAttributes {
		return temporal.SearchAttributes{}
	}
	return temporal.NewSearchAttributes(AmoAccountKey.ValueSet(in.Account), AmoSourceKey.ValueSet("webhook/"+in.Account+"/"+in.Method))
}
