package workflows

import (
	"testing"
	"time"

	"amoflow/amowebhook"
)

// TestIDFormatsArePinned pins every id scheme byte for byte (values computed
// by the code before it moved into ids.go). A change here breaks duplicate
// detection for work in flight: read the warning at the top of ids.go first.
func TestIDFormatsArePinned(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 7, 0, 0, time.UTC)
	win := 10 * time.Minute
	form := map[string]string{"phone": "8 (916) 123-45-67", "email": " Maria@Example.RU ", "form_name_site": "Заявка", "name": "Мария"}
	del := DeleteCourseInput{UID: "0a1b2c3d-0000-0000-0000-000000000001", KeepOne: true}
	full := amowebhook.Event{Entity: amowebhook.Leads, ID: 2050297, StatusID: 35573056, OldStatusID: 35572897, LastModified: 1772359620}
	for _, c := range []struct{ name, got, want string }{
		{"form with a key", FormJobID("retail", "abc-123", form, at, win), "form-retail-abc-123"},
		{"form with an unsafe key", FormJobID("corp", "ключ с пробелом", form, at, win), "form-corp-4adebdc96ced531e536060aa083303bf"},
		{"form without a key", FormJobID("retail", "", form, at, win), "form-retail-c02e9b516eed403e55ac91e67a1caa20"},
		{"form without a window", FormJobID("corp", "", form, at, 0), "form-corp-88811d8448850ec53fb99eac5ccdd4bb"},
		{"form, keys sorted by the caller", FormJobIDSorted("retail", "", form, SortedKeys(nil, form), at, win), "form-retail-c02e9b516eed403e55ac91e67a1caa20"},
		{"1C with a key", OneCJobID("course-delete", " k1 ", del, at, win), "1c-course-delete-k1"},
		{"1C without a key", OneCJobID("course-delete", "", del, at, win), "1c-course-delete-98921b73c51e14ee542e9dcf0f65eb19"},
		{"managers", OneCJobID("managers", ManagersKey(time.Unix(29535487*60+59, 0)), ListManagersInput{}, at, win), "1c-managers-29535487"},
		{"contact leads", OneCJobID("contact-leads", ContactLeadsKey(5, time.Unix(29535487*60+59, 0)), ContactLeadsInput{ContactID: 5}, at, win), "1c-contact-leads-5-29535487"},
		{"lead tasks", OneCJobID("lead-tasks", LeadTasksKey(7, time.Unix(29535487*60+59, 0)), LeadTasksInput{LeadID: 7}, at, win), "1c-lead-tasks-7-29535487"},
		{"dashboard", OneCJobID("dashboard", DashboardKey("konv_ret_all", "2026-03-01", "2026-03-31", time.Unix(7200*246170+7199, 0), 2*time.Hour, false), DashboardInput{}, at, win),
			"1c-dashboard-konv_ret_all-2026-03-01-2026-03-31-246170"},
		{"dashboard refreshed", OneCJobID("dashboard", DashboardKey("avg", "2026-03-01", "2026-03-01", time.Unix(29535487*60, 0), 2*time.Hour, true), DashboardInput{}, at, win),
			"1c-dashboard-avg-2026-03-01-2026-03-01-r29535487"},
		{"webhook event", EventJobID("corp", "corp2ret", full, at, win), "wh-corp-corp2ret-lead2050297-st35573056-from35572897-at1772359620"},
		{"webhook event in a window", EventJobID("retail", "editcontact", amowebhook.Event{Entity: amowebhook.Contacts, ID: 77}, at, win), "wh-retail-editcontact-contact77-win1772359200"},
		{"webhook company event", EventJobID("corp", "m", amowebhook.Event{Entity: amowebhook.Companies, ID: 5, UpdatedAt: 1772359000}, at, 0), "wh-corp-m-company5-at1772359000"},
		{"once-per-lead webhook event", LeadEventJobID("retail", "initial_lead", 31234567), "wh-retail-initial_lead-lead31234567"},
		{"lead re-run", LeadRerunJobID("retail", "initial_lead", 31234567, at, win), "wh-retail-initial_lead-lead31234567-rerun-win1772359200"},
		{"lead re-run's delivery", DeliveryJobID("retail", "initial_lead", []string{LeadRerunJobID("retail", "initial_lead", 31234567, at, win)}), "whd-retail-initial_lead-" + Digest("wh-retail-initial_lead-lead31234567-rerun-win1772359200")},
		{"1C notice", OneCJobID("notice-paymentreceived", "", OneCNoticeInput{Kind: "paymentreceived", Body: []byte("{}")}, at, win), "1c-notice-paymentreceived-56c3962e777a382a554fb36855b5fb00"},
		{"unsorted entry event", UnsortedEventJobID("retail", "unsorted_accept", "0f1e2d3c"), "wh-retail-unsorted_accept-unsorted-c2ed38803051e7b0"},
		{"flat webhook event", FlatEventJobID("retail", "change_resp", 42, "uid-1", "Иванов", at, win), "wh-retail-change_resp-lead42-win1772359200-e5efe4afecd0b0c9"},
		{"flat form (payment)", FlatFormJobID("retail", "retailpaid", "pay"+Digest("+79161234567", "a@b.ru", "100"), at, win), "wh-retail-retailpaid-pay13995c80d7b4e2f6-win1772359200"},
		{"webhook delivery", DeliveryJobID("corp", "corp2ret", []string{"wh-b", "wh-a"}), "whd-corp-corp2ret-cfceda5be459e901"},
		{"digest (lease keys)", Digest("phone", "79161234567"), "256121f823cc4630"},
		{"ucheba.ru request's form", UchebaFormJobID("retail", 9915, 123456), "form-retail-ucheba-9915-123456"},
		{"ucheba.ru import of a day", UchebaImportJobID("2026-12-01"), "ucheba-import-2026-12-01"},
		{"order's client", orderClientID("L1", "C1"), "1c-order-L1-client-C1"},
		{"order's company", orderCompanyID("L1", "P1"), "1c-order-L1-company-P1"},
		{"order's course", orderCourseID("L1", "K1"), "1c-order-L1-course-K1"},
	} {
		if c.got != c.want {
			t.Errorf("%s: id = %q, want %q", c.name, c.got, c.want)
		}
	}
}

// TestEventJobIDTellsRedeliveriesFromNewChanges: the same hook within the
// window or a redelivery days later is the same job; the next window or a
// later modification is another.
func TestEventJobIDTellsRedeliveriesFromNewChanges(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 3, 0, 0, time.UTC)
	dp := amowebhook.Event{Entity: amowebhook.Leads, Action: amowebhook.ActionStatus, ID: 2050297, StatusID: 35573056, OldStatusID: 35572897}
	k := EventJobID("retail", "ret2corp", dp, at, 10*time.Minute)
	if k != "wh-retail-ret2corp-lead2050297-st35573056-from35572897-win1795867200" {
		t.Fatalf("key = %s", k)
	}
	if again := EventJobID("retail", "ret2corp", dp, at.Add(6*time.Minute), 10*time.Minute); again != k {
		t.Fatalf("the same hook within the window: %s != %s", again, k)
	}
	if later := EventJobID("retail", "ret2corp", dp, at.Add(11*time.Minute), 10*time.Minute); later == k {
		t.Fatal("a hook in the next window must be another job")
	}
	full := amowebhook.Event{Entity: amowebhook.Leads, ID: 1190401, StatusID: 53861254, LastModified: 1672189247}
	k1 := EventJobID("retail", "avito_lead", full, at, 10*time.Minute)
	if k1 != "wh-retail-avito_lead-lead1190401-st53861254-at1672189247" {
		t.Fatalf("key = %s", k1)
	}
	if k2 := EventJobID("retail", "avito_lead", full, at.Add(48*time.Hour), 10*time.Minute); k2 != k1 {
		t.Fatal("a redelivery days later carries the same modification time: same key")
	}
	full.LastModified++
	if k3 := EventJobID("retail", "avito_lead", full, at, 10*time.Minute); k3 == k1 {
		t.Fatal("a later modification is another job")
	}
}

// TestDeliveryJobIDIgnoresOrderAndDigestSeparatesParts keeps the properties
// the schemes rely on.
func TestDeliveryJobIDIgnoresOrderAndDigestSeparatesParts(t *testing.T) {
	if DeliveryJobID("retail", "m", []string{"a", "b"}) != DeliveryJobID("retail", "m", []string{"b", "a"}) {
		t.Error("a redelivery with the events in another order must be the same job")
	}
	if Digest("ab", "c") == Digest("a", "bc") {
		t.Error("digest parts must be length-prefixed")
	}
}
