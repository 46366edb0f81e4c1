package workflows

import (
	"slices"

	"amoflow/amowebhook"
	"amoflow/config"
)

// respChangeEvent picks the events respchange acts on: a lead's
// responsible change, and a contact's update that changed its responsible
// (amoCRM reports that as contacts[update] with old_responsible_user_id).
// Companies, which amoCRM also sends under contacts[…], are left alone: the
// predecessor patched them through the contacts endpoint.
func respChangeEvent(e amowebhook.Event) bool {
	switch e.Entity {
	case amowebhook.Leads:
		return e.Action == amowebhook.ActionResponsible && e.OldResponsibleUserID != 0
	case amowebhook.Contacts:
		return (e.Action == amowebhook.ActionUpdate || e.Action == amowebhook.ActionResponsible) && e.OldResponsibleUserID != 0
	}
	return false
}

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
