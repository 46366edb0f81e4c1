package workflows

import (
	"slices"
	"strings"

	"amoflow/activities"
	"amoflow/config"
)

// The pure decisions of setcourse and capitalizecourse
// (docs/flows.md#setcourse, docs/flows.md#capitalizecourse).

// noProductNote asks the manager to link the product.
const noProductNote = "Укажите, пожалуйста, товар в сделке."

// productElement is the first catalog element of the lead in the course
// catalog (0 when none is linked).
func productElement(l activities.AmoRecord, catalogID int64) int64 {
	for _, e := range l.Elements {
		if e.CatalogID == catalogID || (e.CatalogID == 0 && e.Entity == "catalog_elements") {
			return e.ID
		}
	}
	return 0
}

// courseCode is the course code a lead's course field should hold: the
// product's SKU, trimmed and upper-cased as the course codes are (ММЦ-И).
func courseCode(sku string) string { return strings.ToUpper(strings.TrimSpace(sku)) }

// revertStage is where a lead without a product goes back to: the stage
// its last stage change left, unless that is forbidden (ok false: stay);
// with no stage change known, the account's intake.
func revertStage(ch activities.StageChange, intake config.Stage, sc config.SetCourse) (config.Stage, bool) {
	if !ch.Found {
		return intake, intake.PipelineID != 0
	}
	if ch.StatusID == 0 || slices.Contains(sc.ForbiddenStatuses, ch.StatusID) {
		return config.Stage{}, false
	}
	return config.Stage{PipelineID: ch.PipelineID, StatusID: ch.StatusID}, true
}

// reminded reports whether the lead's newest common note already asks for
// the product (a redelivered or repeated hook adds no second reminder
// until someone writes something else).
func reminded(notes []activities.NoteCard) bool {
	return lastCommonText(notes) == noProductNote
}
