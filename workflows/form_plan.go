package workflows

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"amoflow/activities"
	"amoflow/match"
	"amoflow/phone"
)

// The pure decisions of CreateLeadFromForm, kept apart from the workflow so
// they read (and test) as plain functions.

// normEmail lower-cases and trims an email; "" when it does not look like one.
func normEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.IndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	return s
}

// FormEmail is a form's email as the lead flow uses it: trimmed and
// lower-cased, "" unless it looks like an address (something@domain.tld
// without spaces; deliberately loose otherwise). The starter checks a form
// with it, so a form it accepts for its email has one the flow can use.
func FormEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n,;<>()[]\\\"") {
		return ""
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "@") || strings.Contains(domain, "..") {
		return ""
	}
	return s
}

// textLimit is what amoCRM keeps of a text field or a contact's name, in
// characters; a longer value is refused, which would lose the whole lead.
const textLimit = 256

// cutText is s cut to textLimit characters; cut reports whether it was.
func cutText(s string) (out string, cut bool) {
	n := 0
	for i := range s {
		if n == textLimit {
			return s[:i], true
		}
		n++
	}
	return s, false
}

// verifiedContacts keeps the search hits that really have the phone or email:
// amoCRM's query search is fuzzy and may return a contact whose number merely
// contains the digits searched. The most recently updated contact comes first.
func verifiedContacts(hits []activities.Contact, ph, email string) []activities.Contact {
	var out []activities.Contact
	for _, c := range hits {
		if match.PhoneOrEmail(c.Phones, c.Emails, ph, email) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].UpdatedAt != out[j].UpdatedAt {
			return out[i].UpdatedAt > out[j].UpdatedAt
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// leadIDs lists the leads of the contacts, without repeats, in ascending order.
func leadIDs(contacts []activities.Contact) []int64 {
	var ids []int64
	for _, c := range contacts {
		ids = append(ids, c.LeadIDs...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Closed statuses exist in every amoCRM pipeline.
const (
	statusWon  = 142
	statusLost = 143
)

// mergeTarget picks the open lead a form merges into: not won or lost, not in
// an excluded pipeline or status; the most recently updated wins (ties: the
// higher id), so the choice does not depend on the order amoCRM answers in.
func mergeTarget(leads []activities.Lead, s formSettings) (activities.Lead, bool) {
	var best activities.Lead
	found := false
	for _, l := range leads {
		if l.StatusID == statusWon || l.StatusID == statusLost ||
			slices.Contains(s.ExcludedPipelines, l.PipelineID) ||
			slices.Contains(s.ExcludedStatuses, l.StatusID) {
			continue
		}
		if !found || l.UpdatedAt > best.UpdatedAt || (l.UpdatedAt == best.UpdatedAt && l.ID > best.ID) {
			best, found = l, true
		}
	}
	return best, found
}

// formFields maps the form's fields to the account's lead custom fields,
// each value cut to amoCRM's limit (formNote keeps the whole text).
func formFields(fields map[string]string, s formSettings) map[int64]string {
	out := map[int64]string{}
	for _, k := range fieldKeys(fields, s) {
		out[s.FormFields[k]], _ = cutText(fields[k])
	}
	if !s.Extras {
		return out
	}
	if id := s.FormFields["form_name_site"]; id != 0 && out[id] == "" && fields["comment"] != "" {
		// No form name: the comment says what the request is (the PHP
		// flow meant to do this; its mapping overwrote it).
		out[id], _ = cutText(fields["comment"])
	}
	if org, ok := formOrganization(fields["organization"]); ok && s.LeadFields["organization"] != 0 {
		out[s.LeadFields["organization"]] = org
	}
	if at, ok := formDate(fields["date"]); ok && s.LeadFields["event_datetime"] != 0 {
		out[s.LeadFields["event_datetime"]] = strconv.FormatInt(at, 10)
	}
	return out
}

// formOrganizations are the options of amoCRM's organization select
// (lead_fields.organization): a value outside them would make amoCRM
// refuse the whole lead.
var formOrganizations = []string{orgShortAmo, "ООО «МЦПО»", "ООО «МИРК»"}

// formOrganization is the select option a form's organization names: 1C's
// full name of the default organization ("НОЧУ ДПО МЦПО") is amoCRM's
// "МЦПО"; ok is false for an empty or unknown value (noted, not written).
func formOrganization(v string) (string, bool) {
	if strings.TrimSpace(v) == "" {
		return "", false
	}
	org := orgForAmo(v)
	return org, slices.Contains(formOrganizations, org)
}

// formDateLayouts are the date forms the sites send (day first, as in
// Russia, or ISO 8601), read in Moscow time unless they carry an offset.
var formDateLayouts = []string{
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006",
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
}

// formDate reads a form's event date as Unix seconds (what amoCRM's date
// field holds); ok is false for an empty or unreadable value.
func formDate(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	for _, layout := range formDateLayouts {
		if t, err := time.ParseInLocation(layout, v, msk); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// formFlag reads a form's yes/no field (webinar, events): the C# form took
// "true", the PHP one any non-empty value but "0"; both are read.
func formFlag(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on", "да":
		return true
	}
	return false
}

// webinarForm reports whether the form registers for a webinar under the
// account's webinar rule: such a form is a lead of its own, never merged.
func webinarForm(fields map[string]string, s formSettings) bool {
	w := s.SiteForm
	return s.Extras && (w.WebinarTag != "" || w.WebinarStage.PipelineID != 0) && formFlag(fields["webinar"])
}

// fieldKeys are the form keys that fill a lead field: several keys may share
// a field, and the first in name order takes it, so the choice is stable.
func fieldKeys(fields map[string]string, s formSettings) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	taken := map[int64]bool{}
	for _, k := range keys {
		if id, ok := s.FormFields[k]; ok && fields[k] != "" && !taken[id] {
			taken[id] = true
			out = append(out, k)
		}
	}
	return out
}

// contactName is a new contact's first and last name, cut like a field.
func contactName(fields map[string]string) (first, last string) {
	first, _ = cutText(fields["name"])
	last, _ = cutText(fields["surname"])
	return first, last
}

// overflowHeading introduces the whole texts in the lead's note.
const overflowHeading = "Полный текст полей формы, не поместившихся в amoCRM:"

// formNote is the lead's note: the form's comment, then the whole text of
// every value that amoCRM did not get whole, so nothing the person sent is
// lost: a lead field or name cut to textLimit, a phone that is no usable
// number, an email that is no address. "" when there is nothing to note.
func formNote(fields map[string]string, s formSettings) string {
	var lost []string
	for _, k := range []string{"name", "surname"} {
		if _, cut := cutText(fields[k]); cut {
			lost = append(lost, k)
		}
	}
	if v := fields["phone"]; v != "" && phone.Normalize(v) == "" {
		lost = append(lost, "phone")
	}
	if v := fields["email"]; v != "" && FormEmail(v) == "" {
		lost = append(lost, "email")
	}
	for _, k := range fieldKeys(fields, s) {
		if _, cut := cutText(fields[k]); cut {
			lost = append(lost, k)
		}
	}
	if s.Extras {
		// Auxiliary values amoCRM cannot take are kept here, never refused.
		if _, ok := formOrganization(fields["organization"]); !ok && fields["organization"] != "" && s.LeadFields["organization"] != 0 {
			lost = append(lost, "organization")
		}
		if _, ok := formDate(fields["date"]); !ok && fields["date"] != "" && s.LeadFields["event_datetime"] != 0 {
			lost = append(lost, "date")
		}
	}
	var b strings.Builder
	if t := strings.TrimSpace(fields["title"]); t != "" {
		b.WriteString(t) // the old forms' separate title note, now the note's first line
		if fields["comment"] != "" {
			b.WriteString("\n\n")
		}
	}
	b.WriteString(fields["comment"])
	if len(lost) == 0 {
		return b.String()
	}
	if b.Len() > 0 {
		b.WriteString("\n\n")
	}
	b.WriteString(overflowHeading)
	for _, k := range lost {
		b.WriteString("\n\n")
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(fields[k])
	}
	return b.String()
}

// formTags are the tags the form's name asks for (docs/flows.md#site-form rules,
// from config), resolved by name in the account.
func formTags(fields map[string]string, s formSettings) []activities.Tag {
	var tags []activities.Tag
	for _, r := range s.FormTags {
		if strings.Contains(fields["form_name_site"], r.Contains) {
			tags = append(tags, s.tag(r.Tag))
		}
	}
	if !s.Extras {
		return tags
	}
	var names []string
	if webinarForm(fields, s) && s.SiteForm.WebinarTag != "" {
		names = append(names, s.SiteForm.WebinarTag)
	}
	if s.SiteForm.EventsTag != "" && formFlag(fields["events"]) {
		names = append(names, s.SiteForm.EventsTag)
	}
	names = append(names, s.SiteForm.Tags...)
	site := strings.ToLower(fields["site"])
	for _, t := range s.SiteForm.SiteTags {
		if site != "" && strings.Contains(site, strings.ToLower(t)) {
			names = append(names, t)
		}
	}
	for _, n := range names {
		tags, _ = addTags(tags, []activities.Tag{s.tag(n)})
	}
	return tags
}

// addTags returns existing ∪ extra (by name) and whether anything was added.
func addTags(existing, extra []activities.Tag) ([]activities.Tag, bool) {
	out := slices.Clone(existing)
	added := false
	for _, t := range extra {
		if !slices.ContainsFunc(out, func(e activities.Tag) bool { return strings.EqualFold(e.Name, t.Name) }) {
			out = append(out, t)
			added = true
		}
	}
	return out, added
}

// emptyFields keeps the fields that are empty on the lead: a merge fills gaps
// but never overwrites what a manager already entered.
func emptyFields(want map[int64]string, lead activities.Lead) map[int64]string {
	out := map[int64]string{}
	for id, v := range want {
		if strings.TrimSpace(lead.Fields[id]) == "" {
			out[id] = v
		}
	}
	return out
}

// formPrice is the form's price (a whole number of roubles; 0 when absent
// or not a number).
func formPrice(fields map[string]string) int64 {
	p, err := strconv.ParseInt(strings.TrimSpace(fields["price"]), 10, 64)
	if err != nil || p < 0 {
		return 0
	}
	return p
}

// formResponsible is the responsible a form names (field responsible, an
// amoCRM user id), honoured only where the account allows it (the
// corporate site form); 0 otherwise.
func formResponsible(fields map[string]string, s formSettings) int64 {
	if !s.FormResponsible {
		return 0
	}
	id, err := strconv.ParseInt(strings.TrimSpace(fields["responsible"]), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// newLeadStage is the form's pipeline/status when it names a valid one, else
// the account's intake stage (never a test pipeline).
func newLeadStage(fields map[string]string, s formSettings) (pipeline, status int64) {
	p, err := strconv.ParseInt(fields["pipeline"], 10, 64)
	if err != nil || p <= 0 {
		return extraStage(fields, s)
	}
	st, err := strconv.ParseInt(fields["status"], 10, 64)
	if err != nil || st <= 0 {
		st = 0 // amoCRM puts the lead in the pipeline's first stage
	}
	return p, st
}

// extraStage is a new lead's stage when the form names none: the open
// lesson for a trial-lesson form, a free webinar's first stage for a
// webinar without a price (the C# rules, the trial lesson first), else
// the intake stage.
func extraStage(fields map[string]string, s formSettings) (pipeline, status int64) {
	w := s.SiteForm
	switch {
	case !s.Extras:
	case w.TrialContains != "" && w.TrialStage.PipelineID != 0 && strings.Contains(fields["form_name_site"], w.TrialContains):
		return w.TrialStage.PipelineID, w.TrialStage.StatusID
	case webinarForm(fields, s) && w.WebinarStage.PipelineID != 0 && formPrice(fields) == 0:
		return w.WebinarStage.PipelineID, w.WebinarStage.StatusID
	}
	return s.Intake.PipelineID, s.Intake.StatusID
}

// webinarID is the webinar.ru event a form registers its email to
// (webinar_id, a positive number; 0: none).
func webinarID(fields map[string]string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(fields["webinar_id"]), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// registeredFor reports whether the merged lead already holds a
// registration to the event (lead_fields.webinar_event): then the form
// registers nobody again. A new lead holds none.
func registeredFor(merged activities.Lead, event int64, s formSettings) bool {
	id := s.LeadFields["webinar_event"]
	return merged.ID != 0 && id != 0 && strings.TrimSpace(merged.Fields[id]) == strconv.FormatInt(event, 10)
}

// webinarNotePrefix starts the note with the registration link.
const webinarNotePrefix = "Ссылка для регистрации на вебинар: "

// webinarUpdate is what a registration writes on the lead (the fields the
// account configures: the link, the start as the webinar date and the
// event date, the event, session and participation ids, the webinar's
// name) and its note; a registration that could not be made writes only
// a note saying why.
func webinarUpdate(r activities.WebinarRegistration, event int64, lf map[string]int64) ([]activities.FieldValues, string) {
	if r.Problem != "" {
		return nil, "Не удалось зарегистрировать на вебинар " + strconv.FormatInt(event, 10) + " (webinar.ru): " + r.Problem
	}
	var out []activities.FieldValues
	for _, f := range []struct {
		key   string
		value any
	}{
		{"webinar_link", r.Link}, {"webinar_date", r.StartsAt}, {"event_datetime", r.StartsAt}, {"webinar_event", event},
		{"webinar_session", r.Session}, {"webinar_participation", r.Participation}, {"event_name", r.Name},
	} {
		if id := lf[f.key]; id != 0 && f.value != "" && f.value != int64(0) {
			out = append(out, textField(id, f.value))
		}
	}
	return out, webinarNotePrefix + r.Link
}
