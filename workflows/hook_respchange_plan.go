package workflows

import (
	"slices"

	"amoflow/config"
)

// respChangeAllowed reports whether the change the hook reports may stand
// (docs/flows.md#respchange): made by the old responsible themself, by an
// admin (0 is amoCRM's robot), or by a senior of a group whose manager the
// old responsible is.
func respChangeAllowed(rules config.RespChange, oldResp, modifiedBy int64) bool {
	if oldResp == modifiedBy || slices.Contains(rules.Admins, modifiedBy) {
		return true
	}
	for _, g := range rules.Groups {
		if slices.Contains(g.Seniors, modifiedBy) && slices.Contains(g.Managers, oldResp) {
			return true
		}
	}
	return false
}

// respRevert decides what respchange does about one event, given the
// entity's responsible now (current; 0 when the entity is gone): revert to
// the old responsible, or a reason to leave it. Unlike the predecessor, it
// reverts only while the entity still has the responsible the hook set: a
// later change (an admin's correction, a second hook) is not undone, and
// the revert's own hook, which reports our change, finds nothing to do.
func respRevert(rules config.RespChange, ev HookEvent, exists bool, current int64) (revertTo int64, skipped string) {
	switch {
	case respChangeAllowed(rules, ev.OldResponsibleID, ev.ModifiedBy):
		return 0, "the change is allowed"
	case !exists:
		return 0, "the " + singularEntity(ev.Entity) + " does not exist"
	case current == ev.OldResponsibleID:
		return 0, "the responsible is already the old one"
	case ev.ResponsibleID != 0 && current != ev.ResponsibleID:
		return 0, "the responsible changed again since (now " + itoa(current) + ")"
	}
	return ev.OldResponsibleID, ""
}
