package workflows

import (
	"slices"
	"strings"

	"amoflow/activities"
)

// ppieHasTag reports whether the lead has the tag (by name, any case).
func ppieHasTag(tags []activities.Tag, name string) bool {
	return name != "" && slices.ContainsFunc(tags, func(t activities.Tag) bool { return strings.EqualFold(strings.TrimSpace(t.Name), name) })
}

// ppiePlan is the change of a new PPIE lead (docs/flows.md#ppie): the
// standard name, and, when its chat came from the bot, the models stage.
// ok is false when the lead already is so.
func ppiePlan(l activities.Lead, name string, fromBot bool, pipeline, status int64) (activities.PatchLeadInput, bool) {
	up := activities.PatchLeadInput{ID: l.ID}
	if l.Name != name {
		up.Name = name
	}
	if fromBot && (l.PipelineID != pipeline || l.StatusID != status) {
		up.PipelineID, up.StatusID = pipeline, status
	}
	return up, up.Name != "" || up.StatusID != 0
}
