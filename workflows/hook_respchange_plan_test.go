package workflows

import (
	"testing"

	"amoflow/config"
)

// respRules are the predecessor's rules (guards.respchange in config/example.yaml).
var respRules = config.RespChange{
	Admins: []int64{0, 2576764, 7149397, 2375107, 2375152, 3835801},
	Groups: []config.RespGroup{
		{Seniors: []int64{2375107}, Managers: []int64{2375143, 6158035, 7448173, 7744360, 3813670}},
		{Seniors: []int64{2375152}, Managers: []int64{6102562, 6929800, 7358368, 7771945, 8101333}},
	},
}

func TestRespChangeAllowed(t *testing.T) {
	// A senior who is not an admin: the group rule alone decides.
	groupOnly := config.RespChange{Admins: []int64{2576764}, Groups: respRules.Groups}
	for _, c := range []struct {
		name        string
		rules       config.RespChange
		old, by     int64
		wantAllowed bool
	}{
		{"the responsible hands over their own lead", respRules, 6102562, 6102562, true},
		{"amoCRM's robot", respRules, 6102562, 0, true},
		{"the administrator", respRules, 6102562, 2576764, true},
		{"the administrator (access)", respRules, 2375143, 7149397, true},
		{"a manager takes a colleague's lead", respRules, 6102562, 6929800, false},
		{"a manager of group A takes one of group B", respRules, 6102562, 2375143, false},
		{"an unknown user", respRules, 2375143, 9999999, false},
		{"senior A over a manager of group A", groupOnly, 7448173, 2375107, true},
		{"senior A over a manager of group B", groupOnly, 7358368, 2375107, false},
		{"senior B over a manager of group B", groupOnly, 8101333, 2375152, true},
		{"senior B over someone in no group", groupOnly, 1234, 2375152, false},
		{"no rules: only the responsible themself", config.RespChange{}, 5, 6, false},
	} {
		if got := respChangeAllowed(c.rules, c.old, c.by); got != c.wantAllowed {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.wantAllowed)
		}
	}
}

func TestRespRevert(t *testing.T) {
	taken := HookEvent{Entity: "leads", ID: 1, ResponsibleID: 6929800, OldResponsibleID: 6102562, ModifiedBy: 6929800}
	noNew := taken
	noNew.ResponsibleID = 0 // a hook without the new responsible
	contact := taken
	contact.Entity = "contacts"
	for _, c := range []struct {
		name    string
		ev      HookEvent
		exists  bool
		current int64
		want    int64
		skipped string
	}{
		{"an unauthorized change is reverted", taken, true, 6929800, 6102562, ""},
		{"a contact too", contact, true, 6929800, 6102562, ""},
		{"an allowed change stays", HookEvent{Entity: "leads", OldResponsibleID: 5, ModifiedBy: 2576764, ResponsibleID: 7}, true, 7, 0, "the change is allowed"},
		{"a deleted lead", taken, false, 0, 0, "the lead does not exist"},
		{"a deleted contact", contact, false, 0, 0, "the contact does not exist"},
		{"already reverted (our own hook, a redelivery)", taken, true, 6102562, 0, "the responsible is already the old one"},
		{"changed again since: not undone", taken, true, 2375146, 0, "the responsible changed again since (now 2375146)"},
		{"without the new responsible, any other responsible is reverted", noNew, true, 2375146, 6102562, ""},
	} {
		got, skipped := respRevert(respRules, c.ev, c.exists, c.current)
		if got != c.want || skipped != c.skipped {
			t.Errorf("%s: revert to %d (%q), want %d (%q)", c.name, got, skipped, c.want, c.skipped)
		}
	}
}
