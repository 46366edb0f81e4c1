package workflows

import (
	"cmp"
	"slices"
	"strings"

	"amoflow/activities"
	"amoflow/amocrm"
)

// corp2retailFields are the lead_fields keys corp2retail copies from the
// corporate lead to the retail one (docs/flows.md#corp2retail), each by
// its id in either account.
var corp2retailFields = []string{"type", "site", "page", "source", "roistat"}

// retailFields are the retail lead's fields: the copied ones filled on the
// corporate lead, then corp_id = the corporate lead id (the marker).
func retailFields(l activities.LeadCard, c, r amoSettings, corpID int64) []activities.FieldValues {
	var out []activities.FieldValues
	for _, k := range corp2retailFields {
		from, to := c.LeadFields[k], r.LeadFields[k]
		if v := strings.TrimSpace(l.Fields[from]); from != 0 && to != 0 && v != "" {
			out = append(out, textField(to, v))
		}
	}
	return append(out, textField(corpID, l.ID))
}

// corp2retailTag marks a retail lead that came from the corporate account.
const corp2retailTag = "Сделка из корп. отдела"

// retailTags are corp2retailTag, then the corporate lead's tags by name,
// each resolved in the retail account (the predecessor sent them by name
// too; a corporate id never goes on a retail lead).
func retailTags(tags []activities.Tag, r amoSettings) []activities.Tag {
	out := []activities.Tag{r.tag(corp2retailTag)}
	for _, t := range tags {
		name := strings.TrimSpace(t.Name)
		if name != "" && !slices.ContainsFunc(out, func(x activities.Tag) bool { return strings.EqualFold(x.Name, name) }) {
			out = append(out, r.tag(name))
		}
	}
	return out
}

// corp2retailComment is the one note the retail lead gets: the corporate
// lead's request type, then the text of every comment on the corporate
// contact and lead, oldest first, one per line ("" when there is none).
func corp2retailComment(requestType string, notes []activities.NoteCard) string {
	var lines []string
	if t := strings.TrimSpace(requestType); t != "" {
		lines = append(lines, t)
	}
	sorted := slices.Clone(notes)
	slices.SortStableFunc(sorted, func(x, y activities.NoteCard) int {
		return cmp.Or(cmp.Compare(x.CreatedAt, y.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	for _, n := range sorted {
		if t := strings.TrimSpace(n.Params.Text); n.Type == amocrm.NoteCommon && t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

// corpClosePlan is corp2retail_success and _fail: the corporate lead named
// by the retail lead's corp_id closes in status (142 or 143) in the
// pipeline it is in (the predecessor also moved it to the sales
// pipeline, where it may never have been). ok is false when it already is.
func corpClosePlan(corp activities.LeadCard, status int64) (activities.PatchLeadInput, bool) {
	if corp.StatusID == status {
		return activities.PatchLeadInput{}, false
	}
	return activities.PatchLeadInput{ID: corp.ID, PipelineID: corp.PipelineID, StatusID: status}, true
}
