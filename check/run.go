package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"amoflow/amocrm"
	"amoflow/config"
	"amoflow/onec"
)

// Report is the outcome of a check of the whole configuration.
type Report struct {
	Checked  int       // ids read back
	Problems []Problem // ids missing or wrong
	Errors   []string  // accounts or 1C that could not be read at all
}

// OK is true when every id matched and every system answered.
func (r Report) OK() bool { return len(r.Problems) == 0 && len(r.Errors) == 0 }

// Summary is one line for a banner.
func (r Report) Summary() string {
	if r.OK() {
		return fmt.Sprintf("ok, %d ids match", r.Checked)
	}
	return fmt.Sprintf("%d of %d ids wrong, %d unreachable (run amoflow check)", len(r.Problems), r.Checked, len(r.Errors))
}

// Run reads each configured account through its client and tries 1C (when
// onec.base_url is set) with a read of a client that cannot exist.
func Run(ctx context.Context, cfg *config.Config, clients map[string]*amocrm.Client, oc *onec.Client) Report {
	var r Report
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		exp := Expected(a)
		r.Checked += len(exp)
		c := clients[name]
		if c == nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: no client", name))
			continue
		}
		live, err := Fetch(ctx, c, a)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		r.Problems = append(r.Problems, Compare(name, exp, live)...)
	}
	if cfg.OneC.BaseURL != "" && oc != nil {
		if err := OneC(ctx, oc); err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("1C at %s: %v", cfg.OneC.BaseURL, err))
		}
	}
	return r
}

// nilGUID is a client id 1C cannot have: reading it changes nothing.
const nilGUID = onec.GUID("00000000-0000-0000-0000-000000000000")

// OneC checks 1C's base URL and credentials: a read answered "not found"
// (or found) proves both.
func OneC(ctx context.Context, oc *onec.Client) error {
	_, err := oc.GetStudent(ctx, nilGUID)
	if err == nil || errors.Is(err, onec.ErrNotFound) {
		return nil
	}
	return err
}

// Fetch reads what Compare needs from one account.
func Fetch(ctx context.Context, c *amocrm.Client, a *config.Account) (Live, error) {
	live := Live{Statuses: map[int64]map[int64]bool{}, Fields: map[string]map[int64]string{},
		Catalogs: map[int64]bool{}, Users: map[int64]bool{}, Tags: map[int64]bool{}}
	ps, err := c.Pipelines(ctx)
	if err != nil {
		return live, fmt.Errorf("pipelines: %w", err)
	}
	for _, p := range ps {
		live.Statuses[p.ID] = map[int64]bool{}
		for _, s := range p.Embedded.Statuses {
			live.Statuses[p.ID][s.ID] = true
		}
	}
	for kind, entity := range map[string]amocrm.EntityType{
		KindLeadField: amocrm.EntityLeads, KindContactField: amocrm.EntityContacts, KindCompanyField: amocrm.EntityCompanies,
	} {
		fs, err := c.ListCustomFields(ctx, entity)
		if err != nil {
			return live, fmt.Errorf("%s custom fields: %w", entity, err)
		}
		live.Fields[kind] = liveTypes(fs)
	}
	cats, err := c.Catalogs(ctx)
	if err != nil {
		return live, fmt.Errorf("catalogs: %w", err)
	}
	for _, cat := range cats {
		live.Catalogs[cat.ID] = true
	}
	live.Fields[KindCatalogField] = map[int64]string{}
	if live.Catalogs[a.CatalogID] {
		fs, err := c.CatalogCustomFields(ctx, a.CatalogID)
		if err != nil {
			return live, fmt.Errorf("catalog %d fields: %w", a.CatalogID, err)
		}
		live.Fields[KindCatalogField] = liveTypes(fs)
	}
	users, err := c.Users(ctx)
	if err != nil {
		return live, fmt.Errorf("users: %w", err)
	}
	for _, u := range users {
		live.Users[u.ID] = u.Rights.IsActive
	}
	tags, err := c.Tags(ctx, amocrm.EntityLeads, "")
	if err != nil {
		return live, fmt.Errorf("tags: %w", err)
	}
	for _, t := range tags {
		live.Tags[t.ID] = true
	}
	return live, nil
}

func liveTypes(fs []amocrm.CustomField) map[int64]string {
	out := map[int64]string{}
	for _, f := range fs {
		out[f.ID] = f.Type
	}
	return out
}

// Print writes the report as a table of problems, or one line when all is well.
func (r Report) Print(w io.Writer) {
	for _, e := range r.Errors {
		fmt.Fprintf(w, "UNREACHABLE  %s\n", e)
	}
	if len(r.Problems) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tKIND\tCONFIG KEY\tID\tPROBLEM")
		for _, p := range r.Problems {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.Account, p.Kind, p.Key, p.ID, p.Got)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "config check: %s\n", r.Summary())
}
