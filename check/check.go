// Package check reads every id of the configuration back from the live
// amoCRM accounts (pipelines, statuses, custom fields and their types,
// users, tags, catalogs and their fields) and tries 1C with a harmless call,
// so that a wrong id shows at deploy time instead of as a failed workflow.
// Expectations and comparison are pure (Expected, Compare); Run does the I/O.
package check

import (
	"fmt"
	"maps"
	"slices"

	"amoflow/config"
)

// Kinds of ids.
const (
	KindPipeline     = "pipeline"
	KindStatus       = "status"
	KindLeadField    = "lead field"
	KindContactField = "contact field"
	KindCompanyField = "company field"
	KindCatalog      = "catalog"
	KindCatalogField = "catalog field"
	KindUser         = "user"
	KindTag          = "tag"
)

// Expect is one configured id and what it must be.
type Expect struct {
	Kind string
	Key  string // the config key, e.g. lead_fields.course
	ID   int64
	// In is the pipeline a status must belong to (0: any pipeline).
	In int64
	// Type is the custom field type the code relies on ("" if any).
	Type string
}

// fieldTypes are the field types the code depends on: phone and email are
// written as multitext values with enum codes.
var fieldTypes = map[string]string{
	"contact_fields.phone": "multitext",
	"contact_fields.email": "multitext",
}

// Expected lists every id of one account's configuration.
func Expected(a *config.Account) []Expect {
	var out []Expect
	add := func(kind, key string, id int64) {
		if id != 0 {
			out = append(out, Expect{Kind: kind, Key: key, ID: id, Type: fieldTypes[key]})
		}
	}
	each := func(kind, prefix string, m map[string]int64) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			add(kind, prefix+"."+k, m[k])
		}
	}
	add(KindPipeline, "intake.pipeline_id", a.Intake.PipelineID)
	if a.Intake.StatusID != 0 {
		out = append(out, Expect{Kind: KindStatus, Key: "intake.status_id", ID: a.Intake.StatusID, In: a.Intake.PipelineID})
	}
	each(KindPipeline, "pipelines", a.Pipelines)
	each(KindStatus, "statuses", a.Statuses)
	for i, id := range a.Merge.ExcludedPipelines {
		add(KindPipeline, fmt.Sprintf("merge.excluded_pipelines[%d]", i), id)
	}
	for i, id := range a.Merge.ExcludedStatuses {
		add(KindStatus, fmt.Sprintf("merge.excluded_statuses[%d]", i), id)
	}
	each(KindLeadField, "lead_fields", a.LeadFields)
	each(KindLeadField, "form_fields", a.FormFields)
	each(KindContactField, "contact_fields", a.ContactFields)
	each(KindCompanyField, "company_fields", a.CompanyFields)
	add(KindCatalog, "catalog_id", a.CatalogID)
	each(KindCatalogField, "catalog_fields", a.CatalogFields)
	add(KindUser, "default_responsible", a.DefaultResponsible)
	each(KindUser, "users", a.Users)
	for i, id := range a.ManagerPool {
		add(KindUser, fmt.Sprintf("manager_pool[%d]", i), id)
	}
	add(KindUser, "onec.task_responsible", a.OneC.TaskResponsible)
	each(KindTag, "tags", a.Tags)
	return out
}

// Live is what an account holds, as read from amoCRM.
type Live struct {
	Statuses map[int64]map[int64]bool    // pipeline → its statuses
	Fields   map[string]map[int64]string // kind (lead field …) → id → type
	Catalogs map[int64]bool
	Users    map[int64]bool // id → active
	Tags     map[int64]bool
}

// Problem is a configured id the account does not match.
type Problem struct {
	Account string
	Expect
	Got string // "missing", "inactive", "type text, want multitext", …
}

// Compare lists the expectations live does not meet, in their order.
func Compare(account string, exp []Expect, live Live) []Problem {
	var out []Problem
	bad := func(e Expect, got string) { out = append(out, Problem{Account: account, Expect: e, Got: got}) }
	for _, e := range exp {
		switch e.Kind {
		case KindPipeline:
			if _, ok := live.Statuses[e.ID]; !ok {
				bad(e, "missing")
			}
		case KindStatus:
			if e.In != 0 {
				if _, ok := live.Statuses[e.In]; ok && !live.Statuses[e.In][e.ID] {
					bad(e, fmt.Sprintf("not a status of pipeline %d", e.In))
				} else if !ok && !anyHas(live.Statuses, e.ID) {
					bad(e, "missing")
				}
			} else if !anyHas(live.Statuses, e.ID) {
				bad(e, "missing")
			}
		case KindLeadField, KindContactField, KindCompanyField, KindCatalogField:
			typ, ok := live.Fields[e.Kind][e.ID]
			switch {
			case !ok:
				bad(e, "missing")
			case e.Type != "" && typ != e.Type:
				bad(e, fmt.Sprintf("type %s, want %s", typ, e.Type))
			}
		case KindCatalog:
			if !live.Catalogs[e.ID] {
				bad(e, "missing")
			}
		case KindUser:
			active, ok := live.Users[e.ID]
			switch {
			case !ok:
				bad(e, "missing")
			case !active:
				bad(e, "inactive")
			}
		case KindTag:
			if !live.Tags[e.ID] {
				bad(e, "missing")
			}
		}
	}
	return out
}

func anyHas(statuses map[int64]map[int64]bool, id int64) bool {
	for _, s := range statuses {
		if s[id] {
			return true
		}
	}
	return false
}
