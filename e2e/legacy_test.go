package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"amoflow/amofake"
	"amoflow/config"
)

const legacyLKKey = "e2e-lk-key"

// The old PHP URLs that answer with the workflow's result, end to end: the
// corporate LK's corpLead.php gets 201 with the ids it made (and the job
// title stored), 1C's support_leads.php the lead id as plain text.
func TestLegacyPHPURLsAnswerWithTheResult(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Inbound.Legacy.CorpLead = config.LegacyRoute{Enabled: true, Key: legacyLKKey}
		c.Inbound.Legacy.Managers = config.LegacyRoute{Enabled: true, Key: legacyLKKey}
		c.Inbound.Legacy.SupportLeads = config.LegacyRoute{Enabled: true}
		c.Inbound.Legacy.Wait = 20 * time.Second
	})
	position := h.cfg.Accounts["corp"].ContactFields["position"]
	if position == 0 {
		t.Fatal("the example configuration has no corporate position contact field")
	}

	form := url.Values{"inn": {"7707083893"}, "company": {"ООО Лютик"}, "name": {"Анна"}, "surname": {"Смирнова"},
		"phone": {"+7 (916) 321-00-11"}, "email": {"anna@lutik.ru"}, "post": {"Главный бухгалтер"}, "manager_id": {"2375116"}}
	code, body := h.post1C("POST", "/amo/api/corpLead.php?key="+legacyLKKey, "application/x-www-form-urlencoded", form.Encode())
	var ids struct {
		LeadID    int64 `json:"lead_id"`
		ContactID int64 `json:"contact_id"`
		CompanyID int64 `json:"company_id"`
	}
	if err := json.Unmarshal(body, &ids); err != nil || code != 201 || ids.LeadID == 0 || ids.ContactID == 0 || ids.CompanyID == 0 {
		t.Fatalf("corpLead.php = %d %s, want 201 with the ids", code, body)
	}
	l, ok := h.fake.Lead(corpSub, ids.LeadID)
	if !ok || l.ResponsibleUserID != 2375116 || !slices.Contains(l.ContactIDs, ids.ContactID) || !slices.Contains(l.CompanyIDs, ids.CompanyID) {
		t.Errorf("lead = %+v", l)
	}
	if c, _ := h.fake.Contact(corpSub, ids.ContactID); amofake.FirstValue(c.CustomFields, position) != "Главный бухгалтер" {
		t.Errorf("contact's job title = %q", amofake.FirstValue(c.CustomFields, position))
	}
	if code, body := h.post1C("POST", "/amo/api/corpLead.php?key=wrong", "application/x-www-form-urlencoded", form.Encode()); code != 403 ||
		strings.TrimSpace(string(body)) != `{"status":"access_denied"}` {
		t.Errorf("wrong key = %d %s", code, body)
	}
	if code, body := h.post1C("GET", "/amo/api/getManagers.php?key="+legacyLKKey, "", ""); code != 200 || !strings.Contains(string(body), `"id":2375116`) {
		t.Errorf("getManagers.php = %d %s", code, body)
	}

	s1 := h.fake.AddContact(retail, amofake.Contact{Name: "Студент", CustomFields: []amofake.FieldValue{amofake.Phone("+7 916 555-44-33")}})
	group := `{"group":"ММЦ-7","date_start":"01.09.2025 0:00:00","teacher":"Петров Иван","responsible_user":"admin_access",
		"organization":"НОЧУ ДПО МЦПО","students":[{"phone":"8 (916) 555-44-33"}]}`
	code, body = h.post1C("POST", "/amo/1%D1%81/support_leads.php", "application/json", group)
	leadID, err := strconv.ParseInt(string(body), 10, 64)
	if code != 200 || err != nil {
		t.Fatalf("support_leads.php = %d %q, want 200 and the lead id", code, body)
	}
	if l, ok := h.fake.Lead(retail, leadID); !ok || l.Name != "ММЦ-7 01.09 Петров" || !slices.Contains(l.ContactIDs, s1) {
		t.Errorf("group lead = %+v", l)
	}
}
