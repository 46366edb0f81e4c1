package workflows

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"amoflow/activities"
	"amoflow/config"
	"amoflow/onec"
	"amoflow/phone"
)

// The pure decisions of the 1C flows: how amoCRM entities become 1C
// models and back, the organization names, the course price and name
// rules. Kept apart from the workflows so they read and test as plain
// functions.

// Custom-field keys of the account configuration the 1C flows use.
const (
	keyLeadID1C     = "lead_id_1c"
	keyOrganization = "organization"
	keyLeadType     = "type"   // "Тип обращения" → marketing_channel
	keyLeadSource   = "source" // "Источник" → marketing_source
	keyClientID1C   = "client_id_1c"
	keyCompanyID1C  = "company_id_1c"
	keyProductID1C  = "product_id_1c"
)

// Organizations 1C knows. amoCRM's select says "МЦПО" where 1C says
// "НОЧУ ДПО МЦПО" (docs/flows.md#application-editapplication).
const (
	orgDefault1C = "НОЧУ ДПО МЦПО"
	orgShortAmo  = "МЦПО"
)

var organizations = []string{"ООО «МЦПО»", "ООО «МИРК»", orgShortAmo, orgDefault1C,
	"ООО «Первый Профессиональный Институт Эстетики»"}

// ValidOrganization reports whether 1C may name the organization (docs/flows.md#orderfrom1c).
func ValidOrganization(org string) bool {
	return slices.Contains(organizations, strings.TrimSpace(org))
}

// orgFor1C is the organization sent to 1C: "МЦПО" or empty → "НОЧУ ДПО МЦПО".
func orgFor1C(amo string) string {
	if v := strings.TrimSpace(amo); v != "" && v != orgShortAmo {
		return v
	}
	return orgDefault1C
}

// orgForAmo is the value of amoCRM's organization select for 1C's name.
func orgForAmo(oneC string) string {
	if v := strings.TrimSpace(oneC); v != orgDefault1C {
		return v
	}
	return orgShortAmo
}

// truncate cuts s to n characters (1C's marketing fields hold 255).
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// amoDate reads an amoCRM date field: Unix seconds, or a date string.
func amoDate(v string) onec.DateTime {
	v = strings.TrimSpace(v)
	if sec, err := strconv.ParseInt(v, 10, 64); err == nil && sec != 0 {
		return onec.Unix(sec)
	}
	if d, err := onec.ParseDateTime(v); err == nil && !d.IsZero() {
		return onec.Date(d.Time)
	}
	return onec.DateTime{}
}

// unixDate is a 1C date as amoCRM stores a date field: its day at Moscow midnight.
func unixDate(d onec.DateTime) int64 {
	if d.IsZero() {
		return 0
	}
	return onec.Date(d.Time).Unix()
}

func field(r activities.AmoRecord, ids map[string]int64, key string) string {
	if id := ids[key]; id != 0 {
		return strings.TrimSpace(r.Fields[id])
	}
	return ""
}

func first(s []string) string {
	if len(s) > 0 {
		return strings.TrimSpace(s[0])
	}
	return ""
}

// normPhone is a phone as 1C gets it: +7… when it parses, else as stored.
func normPhone(p string) string {
	if n := phone.Normalize(p); n != "" {
		return n
	}
	return strings.TrimSpace(p)
}

// studentFromContact is the 1C client of an amoCRM contact.
func studentFromContact(c activities.AmoRecord, a onecAccount) onec.Student {
	f := a.ContactFields
	st := onec.Student{
		ClientID:     onec.GUID(field(c, f, keyClientID1C)),
		AmoIDs:       []onec.AmoID{{AccountID: a.AccountID, EntityID: c.ID}},
		Name:         strings.TrimSpace(c.Name),
		Email:        strings.ToLower(first(c.Emails)),
		Phone:        normPhone(first(c.Phones)),
		DOB:          amoDate(field(c, f, "dob")),
		SNILS:        field(c, f, "snils"),
		PassSerie:    onec.Text(field(c, f, "pass_serie")),
		PassNumber:   onec.Text(field(c, f, "pass_number")),
		PassIssuedBy: field(c, f, "pass_issued_by"),
		PassDptCode:  field(c, f, "pass_dpt_code"),
		PassIssuedAt: amoDate(field(c, f, "pass_issued_at")),
		Address:      field(c, f, "address"),
	}
	if !st.ClientID.Valid() {
		st.ClientID = ""
	}
	if st.Name == "" {
		st.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	if len(c.Phones) > 1 {
		st.SecondPhone = normPhone(c.Phones[1])
	}
	return st
}

// partnerFromCompany is the 1C partner of an amoCRM company.
func partnerFromCompany(c activities.AmoRecord, a onecAccount) onec.Partner {
	f := a.CompanyFields
	p := onec.Partner{
		CompanyID:   onec.GUID(field(c, f, keyCompanyID1C)),
		AmoIDs:      []onec.AmoID{{AccountID: a.AccountID, EntityID: c.ID}},
		Name:        strings.TrimSpace(c.Name),
		Email:       strings.ToLower(first(c.Emails)),
		Phone:       normPhone(first(c.Phones)),
		Signee:      field(c, f, "signee"),
		OGRN:        field(c, f, "ogrn"),
		INN:         field(c, f, "inn"),
		AccNo:       field(c, f, "acc_no"),
		KPP:         field(c, f, "kpp"),
		BIK:         field(c, f, "bik"),
		Address:     field(c, f, "address"),
		PostAddress: field(c, f, "post_address"),
	}
	if !p.CompanyID.Valid() {
		p.CompanyID = ""
	}
	return p
}

// applicationFor is the 1C application of a lead (docs/flows.md#application-editapplication
// as the PHP integration built it, with its organization default).
func applicationFor(lead activities.AmoRecord, a onecAccount, client, product, company onec.GUID, corporate bool, responsible string) onec.Application {
	f := a.LeadFields
	app := onec.Application{
		LeadID:           onec.GUID(field(lead, f, keyLeadID1C)),
		AmoIDs:           []onec.AmoID{{AccountID: a.AccountID, EntityID: lead.ID}},
		ClientID:         client,
		ProductID:        product,
		CompanyID:        company,
		Organization:     orgFor1C(field(lead, f, keyOrganization)),
		Price:            onec.Number(lead.Price),
		IsCorporate:      corporate,
		LeadStatus:       onec.LeadStatusInWork,
		Author:           responsible,
		ResponsibleUser:  responsible,
		MarketingChannel: truncate(field(lead, f, keyLeadType), 255),
		MarketingSource:  truncate(field(lead, f, keyLeadSource), 255),
	}
	if !app.LeadID.Valid() {
		app.LeadID = ""
	}
	return app
}

// contactFrom1C is what a 1C client writes on an amoCRM contact: text
// fields, date fields (Unix seconds), and the phone and e-mail to add.
// Empty values are skipped: 1C's blanks never erase amoCRM data.
func contactFrom1C(st onec.Student, a onecAccount) (fields map[int64]string, dates map[int64]int64) {
	fields, dates = map[int64]string{}, map[int64]int64{}
	f := a.ContactFields
	set := func(key, v string) {
		if id := f[key]; id != 0 && strings.TrimSpace(v) != "" {
			fields[id] = strings.TrimSpace(v)
		}
	}
	set(keyClientID1C, string(st.ClientID))
	set("snils", st.SNILS)
	set("pass_serie", string(st.PassSerie))
	set("pass_number", string(st.PassNumber))
	set("pass_issued_by", st.PassIssuedBy)
	set("pass_dpt_code", st.PassDptCode)
	set("address", st.Address)
	for key, d := range map[string]onec.DateTime{"dob": st.DOB, "pass_issued_at": st.PassIssuedAt} {
		if id := f[key]; id != 0 && !d.IsZero() {
			dates[id] = unixDate(d)
		}
	}
	return fields, dates
}

// companyFrom1C is what a 1C partner writes on an amoCRM company.
func companyFrom1C(p onec.Partner, a onecAccount) map[int64]string {
	out := map[int64]string{}
	f := a.CompanyFields
	for key, v := range map[string]string{
		keyCompanyID1C: string(p.CompanyID), "signee": p.Signee, "ogrn": p.OGRN, "inn": p.INN,
		"acc_no": p.AccNo, "kpp": p.KPP, "bik": p.BIK, "address": p.Address, "post_address": p.PostAddress,
	} {
		if id := f[key]; id != 0 && strings.TrimSpace(v) != "" {
			if _, taken := out[id]; !taken || key == "address" { // address wins over post_address when they share a field
				out[id] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// mergeValues appends the values not already present (compared by same),
// so 1C adds a phone or an e-mail without dropping the others. It reports
// whether anything was added.
func mergeValues(have []string, add string, same func(a, b string) bool) ([]string, bool) {
	if strings.TrimSpace(add) == "" {
		return have, false
	}
	for _, h := range have {
		if same(h, add) {
			return have, false
		}
	}
	return append(slices.Clone(have), strings.TrimSpace(add)), true
}

func samePhone(a, b string) bool {
	if n := phone.Normalize(b); n != "" {
		return phone.Same(a, n)
	}
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}
func sameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// CoursePrice is the price of a course in amoCRM (see
// docs/flows.md#coursefrom1c): the distance price for "-Д" courses, the individual one for
// "-И", the default one otherwise; the fallback price when that is missing
// or 0. Without configured price types, the first price.
func CoursePrice(shortName string, prices []onec.PriceItem, t config.PriceTypes) int64 {
	byUID := map[string]int64{}
	for _, p := range prices {
		uid := strings.ToLower(string(p.UID))
		if _, seen := byUID[uid]; !seen {
			byUID[uid] = p.Price.Int()
		}
	}
	want := t.Default
	switch {
	case strings.Contains(shortName, "-Д"):
		want = t.Distance
	case strings.Contains(shortName, "-И"):
		want = t.Individual
	}
	if p := byUID[strings.ToLower(want)]; want != "" && p != 0 {
		return p
	}
	if p := byUID[strings.ToLower(t.Fallback)]; t.Fallback != "" && p != 0 {
		return p
	}
	if t.Default == "" && t.Fallback == "" && len(prices) > 0 {
		return prices[0].Price.Int()
	}
	return 0
}

// courseNameExceptions keep the code in the name although it has a dash.
var courseNameExceptions = []string{"МАС-1", "КОС-1", "КЭС-1"}

// CourseName appends "(short_name)" (no space) when the short name has no
// dash, or is one of the exceptions (docs/flows.md#coursefrom1c); never twice.
func CourseName(name, shortName string) string {
	name, shortName = strings.TrimSpace(name), strings.TrimSpace(shortName)
	if shortName == "" {
		return name
	}
	if strings.Contains(shortName, "-") && !slices.Contains(courseNameExceptions, shortName) {
		return name
	}
	suffix := "(" + shortName + ")"
	if strings.HasSuffix(name, suffix) {
		return name
	}
	return name + suffix
}

// courseFields are the catalog fields of a 1C course in an account.
func courseFields(c onec.Course, a onecAccount, price int64) map[int64]string {
	out := map[int64]string{}
	f := a.CatalogFields
	set := func(key, v string) {
		if id := f[key]; id != 0 && strings.TrimSpace(v) != "" {
			out[id] = strings.TrimSpace(v)
		}
	}
	set(keyProductID1C, string(c.ProductID))
	set("short_name", c.ShortName)
	set("format", c.Format)
	set("supplementary_info", c.SupplementaryInfo)
	if price != 0 {
		set("price", strconv.FormatInt(price, 10))
	}
	if d := c.Duration.Int(); d > 0 {
		set("duration", strconv.FormatInt(d, 10))
	}
	return out
}

// sameFields reports whether the record already holds every wanted value.
func sameFields(r activities.AmoRecord, want map[int64]string) bool {
	for id, v := range want {
		if strings.TrimSpace(r.Fields[id]) != v {
			return false
		}
	}
	return true
}

// groupTitle names a study-group lead: "{group} {dd.mm} {teacher's surname}".
func groupTitle(group string, start onec.DateTime, teacher string) string {
	parts := []string{strings.TrimSpace(group)}
	if !start.IsZero() {
		t := start.In(onec.Zone)
		parts = append(parts, fmt.Sprintf("%02d.%02d", t.Day(), t.Month()))
	}
	if f := strings.Fields(teacher); len(f) > 0 {
		parts = append(parts, f[0])
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// orderAccount is the account of a 1C order (docs/flows.md#orderfrom1c): an organization's
// own account when configured, the corporate one when is_corporate, else
// the retail one.
func orderAccount(app onec.Application, s onecSettings) string {
	if name, ok := s.OrganizationAccounts[strings.TrimSpace(app.Organization)]; ok {
		return name
	}
	if app.IsCorporate {
		return s.Corporate
	}
	return s.Retail
}

// dueTomorrow is the Unix time of hour:00 Moscow time on the day after now.
func dueTomorrow(now time.Time, hour int) int64 {
	t := now.In(onec.Zone)
	return time.Date(t.Year(), t.Month(), t.Day()+1, hour, 0, 0, 0, onec.Zone).Unix()
}

// exactGUID keeps the records whose field holds the GUID, lowest id first:
// amoCRM's search is fuzzy, and the oldest element is the one to keep.
func exactGUID(hits []activities.AmoRecord, fieldID int64, uid onec.GUID) []activities.AmoRecord {
	var out []activities.AmoRecord
	for _, h := range hits {
		if fieldID != 0 && onec.GUID(strings.TrimSpace(h.Fields[fieldID])).Equal(uid) {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(x, y activities.AmoRecord) int { return cmp.Compare(x.ID, y.ID) })
	return out
}
