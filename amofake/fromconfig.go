package amofake

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"amoflow/config"
)

// Options tunes FromConfig.
type Options struct {
	// ClientID and ClientSecret replace the credentials of every account,
	// for a config whose secrets are not set. When neither the config nor
	// Options gives any, the fake accepts any credentials.
	ClientID, ClientSecret string
	AccessTTL              time.Duration
	RPS                    int
	Now                    func() time.Time
}

// FromConfig makes a fake of the accounts in an amoflow config: their
// subdomains and ids, users, custom field ids (lead fields and form fields,
// contact, company and catalog fields; contact phone and email are PHONE and
// EMAIL), catalog, tags and intake stage.
func FromConfig(cfg *config.Config, opts Options) Config {
	out := Config{AccessTTL: opts.AccessTTL, RPS: opts.RPS, Now: opts.Now}
	for _, name := range cfg.AccountNames() {
		acc, ok := cfg.Account(name)
		if !ok {
			continue
		}
		ac := AccountConfig{
			Subdomain:         acc.Subdomain,
			AccountID:         acc.AccountID,
			ClientID:          acc.ClientID,
			ClientSecret:      acc.ClientSecret,
			LeadFields:        fieldIDs(acc.LeadFields, acc.FormFields),
			ContactFields:     fieldIDs(acc.ContactFields),
			CompanyFields:     fieldIDs(acc.CompanyFields),
			CatalogFields:     fieldIDs(acc.CatalogFields),
			PhoneField:        acc.ContactFields["phone"],
			EmailField:        acc.ContactFields["email"],
			FieldNames:        map[int64]string{},
			Tags:              maps.Clone(acc.Tags),
			DefaultPipelineID: acc.Intake.PipelineID,
			DefaultStatusID:   acc.Intake.StatusID,
			Users:             users(acc),
		}
		if opts.ClientID != "" || opts.ClientSecret != "" {
			ac.ClientID, ac.ClientSecret = opts.ClientID, opts.ClientSecret
		}
		for _, m := range []map[string]int64{acc.CatalogFields, acc.CompanyFields, acc.ContactFields, acc.FormFields, acc.LeadFields} {
			for key, id := range m {
				ac.FieldNames[id] = key
			}
		}
		if acc.CatalogID != 0 {
			ac.CatalogIDs = []int64{acc.CatalogID}
		}
		ac.Pipelines = pipelines(acc)
		// The contact's phone and email are multitext in amoCRM.
		ac.FieldTypes = map[int64]string{}
		for _, key := range []string{"phone", "email"} {
			if id := acc.ContactFields[key]; id != 0 {
				ac.FieldTypes[id] = "multitext"
			}
		}
		out.Accounts = append(out.Accounts, ac)
	}
	return out
}

// pipelines lists every pipeline the config names (the intake one first,
// holding every configured status, since the config does not say which
// pipeline a status belongs to).
func pipelines(acc *config.Account) []Pipeline {
	var out []Pipeline
	add := func(id int64, name string) {
		if id != 0 && !slices.ContainsFunc(out, func(p Pipeline) bool { return p.ID == id }) {
			out = append(out, Pipeline{ID: id, Name: name})
		}
	}
	add(acc.Intake.PipelineID, "intake")
	for _, n := range slices.Sorted(maps.Keys(acc.Pipelines)) {
		add(acc.Pipelines[n], n)
	}
	for _, id := range acc.Merge.ExcludedPipelines {
		add(id, "")
	}
	if len(out) == 0 {
		return nil
	}
	statuses := []int64{acc.Intake.StatusID}
	for _, n := range slices.Sorted(maps.Keys(acc.Statuses)) {
		statuses = append(statuses, acc.Statuses[n])
	}
	statuses = append(statuses, acc.Merge.ExcludedStatuses...)
	for _, id := range statuses {
		if id != 0 && id != StatusWon && id != StatusLost && !slices.Contains(out[0].Statuses, id) {
			out[0].Statuses = append(out[0].Statuses, id)
		}
	}
	return out
}

// fieldIDs merges maps of name → field id into a sorted list of ids.
func fieldIDs(ms ...map[string]int64) []int64 {
	var ids []int64
	for _, m := range ms {
		for _, id := range m {
			if id != 0 && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// users lists the users a config names: the default responsible first
// (the fake attributes API writes to the first user), then the named ones,
// then the manager pool.
func users(acc *config.Account) []User {
	var out []User
	add := func(id int64, name string) {
		if id != 0 && !slices.ContainsFunc(out, func(u User) bool { return u.ID == id }) {
			out = append(out, User{ID: id, Name: name, Email: fmt.Sprintf("user%d@%s.example", id, acc.Subdomain)})
		}
	}
	add(acc.DefaultResponsible, "default_responsible")
	names := slices.Sorted(maps.Keys(acc.Users))
	for _, n := range names {
		add(acc.Users[n], n)
	}
	for i, id := range acc.ManagerPool {
		add(id, fmt.Sprintf("manager %d", i+1))
	}
	return out
}
