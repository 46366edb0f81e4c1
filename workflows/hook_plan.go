package workflows

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"amoflow/activities"
	"amoflow/amocrm"
	"amoflow/phone"
)

// The pure decisions of the webhook flows, apart from the workflow code so
// they read (and test) as plain functions. Ids come from configuration;
// what is here are names and texts.

// fieldInt is a numeric custom field of a lead (a lead id kept in a
// marker field); 0 when empty or not a number.
func fieldInt(l activities.LeadCard, id int64) int64 {
	s := strings.TrimSpace(l.Fields[id])
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f == float64(int64(f)) {
		return int64(f)
	}
	return 0
}

// copiedLeadFields are the lead_fields keys ret2corp copies from the retail
// lead to the corporate one (docs/flows.md#ret2corp: type, site, page,
// source, roistat visit, promo code), each by its id in either account.
var copiedLeadFields = []string{"type", "site", "page", "source", "roistat", "promocode"}

// corpFields are the corporate lead's fields: the copied ones that are
// filled on the retail lead, then RET_ID = the retail lead id.
func corpFields(l activities.LeadCard, r, c amoSettings, retID int64) []activities.FieldValues {
	var out []activities.FieldValues
	for _, k := range copiedLeadFields {
		from, to := r.LeadFields[k], c.LeadFields[k]
		if v := strings.TrimSpace(l.Fields[from]); from != 0 && to != 0 && v != "" {
			out = append(out, textField(to, v))
		}
	}
	return append(out, textField(retID, l.ID))
}

// openCorpLead is the person's corporate lead a ret2corp hand-over joins
// instead of creating one (docs/flows.md#ret2corp): open (not won or lost)
// and in the sales pipeline, as the PHP flow chose; of several, the most
// recently updated (ties: the higher id), where the PHP flow took
// whichever amoCRM listed last.
func openCorpLead(leads []activities.Lead, sales int64) (activities.Lead, bool) {
	var best activities.Lead
	for _, l := range leads {
		if l.PipelineID != sales || l.StatusID == statusWon || l.StatusID == statusLost {
			continue
		}
		if best.ID == 0 || l.UpdatedAt > best.UpdatedAt || (l.UpdatedAt == best.UpdatedAt && l.ID > best.ID) {
			best = l
		}
	}
	return best, best.ID != 0
}

// holderOf is the first contact that has the lead (0: none).
func holderOf(contacts []activities.Contact, leadID int64) int64 {
	for _, c := range contacts {
		if slices.Contains(c.LeadIDs, leadID) {
			return c.ID
		}
	}
	return 0
}

// companyKeys are what a company is looked up by in another account: its
// INN (digits, at least 10; innField is the account's INN field) and its
// name (trimmed). Either may be "".
func companyKeys(co activities.CompanyCard, innField int64) (inn, name string) {
	for _, f := range co.Values {
		if f.ID != innField || innField == 0 {
			continue
		}
		for _, v := range f.Values {
			if inn = doubleKey("inn", v.Text()); inn != "" {
				break
			}
		}
	}
	return inn, strings.TrimSpace(co.Name)
}

// sameCompany picks, among search hits, the company that is the one
// asked for: with an INN, a hit holding that INN (innField); without one,
// a hit of the same name (ignoring case). The lowest id of several, so
// the order amoCRM answers in does not matter.
func sameCompany(hits []activities.CompanyCard, inn, name string, innField int64) (activities.CompanyCard, bool) {
	var best activities.CompanyCard
	for _, h := range hits {
		hinn, hname := companyKeys(h, innField)
		same := (inn != "" && hinn == inn) || (inn == "" && name != "" && strings.EqualFold(hname, name))
		if same && h.ID != 0 && (best.ID == 0 || h.ID < best.ID) {
			best = h
		}
	}
	return best, best.ID != 0
}

// ret2corpTags mark a corporate lead that came from retail (docs/flows.md#ret2corp).
var ret2corpTags = []string{"Сделка из розницы", "mzpo.education"}

// corpTags are the retail lead's tags by name, then ret2corpTags, each
// resolved in the corporate account (never a retail id on a corporate lead).
func corpTags(tags []activities.Tag, c amoSettings) []activities.Tag {
	var out []activities.Tag
	add := func(name string) {
		name = strings.TrimSpace(name)
		if name != "" && !slices.ContainsFunc(out, func(t activities.Tag) bool { return strings.EqualFold(t.Name, name) }) {
			out = append(out, c.tag(name))
		}
	}
	for _, t := range tags {
		add(t.Name)
	}
	for _, name := range ret2corpTags {
		add(name)
	}
	return out
}

// contactKeys are a contact's first usable phone (normalized) and e-mail:
// what to look the person up by in the other account. Empty values are
// never searched.
func contactKeys(c activities.ContactCard) (ph, email string) {
	for _, p := range c.Phones {
		if ph = phone.Normalize(p); ph != "" {
			break
		}
	}
	for _, e := range c.Emails {
		if email = normEmail(e); email != "" {
			break
		}
	}
	return ph, email
}

// lastCommonText is the text of the newest common note (by time, then id).
func lastCommonText(notes []activities.NoteCard) string {
	var best *activities.NoteCard
	for i, n := range notes {
		if n.Type != amocrm.NoteCommon || strings.TrimSpace(n.Params.Text) == "" {
			continue
		}
		if best == nil || n.CreatedAt > best.CreatedAt || (n.CreatedAt == best.CreatedAt && n.ID > best.ID) {
			best = &notes[i]
		}
	}
	if best == nil {
		return ""
	}
	return best.Params.Text
}

// callCopies are the retail contact's calls as notes of the corporate
// contact, in the order they were made, with the corporate lead's
// responsible. amoCRM needs a link and a status on a call note; calls
// without them get the old integration's defaults.
func callCopies(calls []activities.NoteCard, contactID, responsible int64) []activities.NoteCard {
	sorted := slices.Clone(calls)
	slices.SortStableFunc(sorted, func(x, y activities.NoteCard) int {
		return cmp.Or(cmp.Compare(x.CreatedAt, y.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	var out []activities.NoteCard
	for _, n := range sorted {
		if n.Type != amocrm.NoteCallIn && n.Type != amocrm.NoteCallOut {
			continue
		}
		p := n.Params
		if p.Link == "" {
			p.Link = "https://mzpo-s.ru"
		}
		if p.CallStatus == 0 {
			p.CallStatus = 4
		}
		p.CallResponsible = nil // a retail user means nothing in the corporate account
		out = append(out, activities.NoteCard{EntityID: contactID, Type: n.Type, Params: p, ResponsibleID: responsible})
	}
	return out
}

// agrFields are the contract-department lead's fields: every field of the
// source lead (all values, enums kept) except the markers, which are set
// anew: ID_LEAD_RET = the source lead, CORP_MAN = its manager's name.
// RET_ID stays on the sales lead alone, so it names one corporate lead.
func agrFields(src activities.LeadCard, skip []int64, idLeadRet, corpMan int64, manager string) []activities.FieldValues {
	var out []activities.FieldValues
	for _, f := range src.Values {
		if f.ID == 0 || slices.Contains(skip, f.ID) || f.ID == idLeadRet || f.ID == corpMan || len(f.Values) == 0 {
			continue
		}
		out = append(out, f)
	}
	out = append(out, textField(idLeadRet, src.ID))
	if manager != "" {
		out = append(out, textField(corpMan, manager))
	}
	return out
}

// managerNoteText is the note on a contract-department lead (docs/flows.md#corp2agr).
func managerNoteText(name string) string {
	return "Ответственный менеджер в корпорате: " + name
}

// commonCopies are the source's common notes, oldest first, on lead id.
func commonCopies(notes []activities.NoteCard, leadID int64) []activities.NoteCard {
	sorted := slices.Clone(notes)
	slices.SortStableFunc(sorted, func(x, y activities.NoteCard) int {
		return cmp.Or(cmp.Compare(x.CreatedAt, y.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	var out []activities.NoteCard
	for _, n := range sorted {
		if n.Type == amocrm.NoteCommon && strings.TrimSpace(n.Params.Text) != "" {
			out = append(out, activities.NoteCard{EntityID: leadID, Type: amocrm.NoteCommon, Params: amocrm.NoteParams{Text: n.Params.Text}})
		}
	}
	return out
}

// avitoIDs are the retail ids avito_lead writes.
type avitoIDs struct {
	Result, Site, Source, Type, Course int64
}

// Texts avito_lead writes (docs/flows.md#avito_lead).
const (
	avitoResult = "Заявка с Авито"
	avitoSite   = "Avito.ru"
	avitoTagAdd = "Авито"
	avitoTagDel = "Ручная"
)

// avitoPlan is the update that marks a lead as coming from Avito: the
// fields replaced (not appended), the tag Ручная swapped for Авито. ok is
// false when the lead already looks like that.
func avitoPlan(l activities.LeadCard, ids avitoIDs, r amoSettings) (activities.PatchLeadInput, bool) {
	typ := avitoResult
	if course := strings.TrimSpace(l.Fields[ids.Course]); course != "" {
		typ = "Заявка записаться на " + course + " с Авито"
	}
	want := []activities.FieldValues{
		textField(ids.Type, typ),
		textField(ids.Site, avitoSite),
		textField(ids.Source, avitoSite),
		textField(ids.Result, avitoResult),
	}
	up := activities.PatchLeadInput{Account: r.Account, ID: l.ID}
	for _, f := range want {
		if l.Fields[f.ID] != f.Values[0].Text() {
			up.Fields = append(up.Fields, f)
		}
	}
	tags := slices.DeleteFunc(slices.Clone(l.Tags), func(t activities.Tag) bool {
		return strings.EqualFold(t.Name, avitoTagDel) || (t.ID != 0 && t.ID == r.Tags[avitoTagDel])
	})
	removed := len(tags) != len(l.Tags)
	tags, added := addTags(tags, []activities.Tag{r.tag(avitoTagAdd)})
	if removed || added {
		up.SetTags, up.Tags = true, tags
	}
	return up, len(up.Fields) > 0 || up.SetTags
}

// eventKind is an event type of docs/flows.md#processevents: how the flow renames and moves the lead.
type eventKind struct {
	Name     string // the lead's new name
	Pipeline string // pipelines key
	Status   string // statuses key
	Tag      string // tag name added
}

// eventKinds are tried in order on the event's page name; no match is a
// plain event, which changes only the event fields.
var eventKinds = []struct {
	contains string
	kind     eventKind
}{
	{"Международного клуба выпускников", eventKind{"МКБ", "free_events", "event_notified", "МКБ"}},
	{"STYX", eventKind{"STYX", "free_events", "event_notified", "STYX"}},
	{"Morizo", eventKind{"Morizo", "free_events", "event_notified", "Morizo"}},
	{"День открытых дверей", eventKind{"dod", "free_events", "event_notified", "ДОД"}},
	{"Пробный урок", eventKind{"Пробный урок", "trial_lesson", "trial_lesson_booked", "Пробный урок"}},
}

func kindOf(pageName string) (eventKind, bool) {
	for _, k := range eventKinds {
		if strings.Contains(pageName, k.contains) {
			return k.kind, true
		}
	}
	return eventKind{}, false
}

// eventIDs are the retail ids processevents writes.
type eventIDs struct {
	Name, Address, DateTime int64
}

// eventPlan is the update of a lead registered for an event: address and
// name from the events API, the date-time only when the lead has none, then
// by the event's kind the lead's name, stage and tag (existing tags kept).
// ok is false when nothing would change.
func eventPlan(l activities.LeadCard, ev activities.EventInfo, ids eventIDs, r amoSettings) (activities.PatchLeadInput, bool) {
	up := activities.PatchLeadInput{Account: r.Account, ID: l.ID}
	if a := strings.TrimSpace(ev.Address); a != "" && l.Fields[ids.Address] != a {
		up.Fields = append(up.Fields, textField(ids.Address, a))
	}
	if n := strings.TrimSpace(ev.PageName); n != "" && l.Fields[ids.Name] != n {
		up.Fields = append(up.Fields, textField(ids.Name, n))
	}
	if ev.At > 0 && strings.TrimSpace(l.Fields[ids.DateTime]) == "" {
		up.Fields = append(up.Fields, textField(ids.DateTime, ev.At))
	}
	if k, ok := kindOf(ev.PageName); ok {
		if l.Name != k.Name {
			up.Name = k.Name
		}
		p, s := r.Pipelines[k.Pipeline], r.Statuses[k.Status]
		if p != 0 && s != 0 && (l.PipelineID != p || l.StatusID != s) {
			up.PipelineID, up.StatusID = p, s
		}
		if tags, added := addTags(l.Tags, []activities.Tag{r.tag(k.Tag)}); added {
			up.SetTags, up.Tags = true, tags
		}
	}
	return up, len(up.Fields) > 0 || up.Name != "" || up.StatusID != 0 || up.SetTags
}

// normalizedPhones rewrites each phone value in the one normalized form
// (docs/flows.md#phone-normalization), keeping every value and its enum (WORK, MOB, …) in place; a value
// that is no usable number stays as it is. changed is false when every
// value already is in that form: then the contact is not written, which is
// what stops the update webhook from calling us again and again.
func normalizedPhones(values []activities.FieldValue) (out []activities.FieldValue, changed bool) {
	out = slices.Clone(values)
	for i, v := range out {
		if n := phone.Normalize(v.Text()); n != "" && n != v.Text() {
			out[i].Value = n
			changed = true
		}
	}
	return out, changed
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// closePlan closes the retail lead in status (142 or 143) in the pipeline
// it is in, taking the corporate price when it is set; ok is false when
// the retail lead already is so.
func closePlan(ret, corp activities.LeadCard, status int64) (activities.PatchLeadInput, bool) {
	up := activities.PatchLeadInput{ID: ret.ID}
	if ret.StatusID != status {
		up.PipelineID, up.StatusID = ret.PipelineID, status
	}
	if corp.Price > 0 && corp.Price != ret.Price {
		up.Price = corp.Price
	}
	return up, up.StatusID != 0 || up.Price != 0
}
