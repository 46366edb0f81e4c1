package workflows

import (
	"slices"
	"strings"
	"unicode/utf8"

	"amoflow/activities"
	"amoflow/config"
)

// The pure decisions of initial_lead (docs/flows.md#initial_lead): what
// each phase writes to a new lead, given the lead as amoCRM holds it and
// the account's tables (config: accounts.*.initial_lead).

// initialIDs are the lead (and contact) fields initial_lead reads and writes.
type initialIDs struct {
	FormID, Page, Site, Type, City, Source, Result, CallMarker, Referer, FormText int64
	Instagram                                                                     int64 // contact field
}

// initialStages are the stages initial_lead moves leads to.
type initialStages struct {
	Intake config.Stage // the retail intake: where social leads go, where "Принят" is taken into work
	InWork int64        // the status of a lead whose call was taken ("Принят")
	Trial  config.Stage // the trial-lesson stage (TrialTag)
}

// Texts of the old processor that managers know.
const (
	formCallbackNote = `Форма: "Заказать обратный звонок"`
	formSignUpNote   = `Форма: "Записаться"`
	fitnessPage      = "rassylkapartnery_instruktor.fitness.promokod"
	trialPage        = "probnyy-urok-po-massazhu"
	trialPageNote    = `ЗАЯВКА СО СТРАНИЦЫ "ПРОБНЫЙ УРОК"`
	cosmetologyPage  = "vrach-kosmetolog"
	cosmetologySite  = "mirk.vrach.kosmetolog"
	manualSite       = "Сделка созданная вручную"
	callTaken        = "Принят"
	phase1Done       = "Phase 1 finished."
	phase2Done       = "Phase 2 finished."
	socialDone       = "Processing finished."
	// maxFieldLen is what the old processor cut long values to (characters).
	maxFieldLen = 256
)

var fitnessNotes = []string{"Фитнес Инструктор: Промокод 5000.", "Скидка клиенту 5000руб."}

// leadDraft is a lead with pending changes: fields set and tags added read
// back as if already written, as the old processor saw them.
type leadDraft struct {
	lead   activities.LeadCard
	fields map[int64]string
	order  []int64 // fields in the order they were first set
	tags   []string
	notes  []string // common notes on the lead
}

func newDraft(l activities.LeadCard) *leadDraft {
	return &leadDraft{lead: l, fields: map[int64]string{}}
}

func (d *leadDraft) get(id int64) string {
	if v, ok := d.fields[id]; ok {
		return v
	}
	return d.lead.Fields[id]
}

// set changes a field; an unconfigured field (id 0) is never written.
func (d *leadDraft) set(id int64, v string) {
	if id == 0 {
		return
	}
	if _, ok := d.fields[id]; !ok {
		d.order = append(d.order, id)
	}
	d.fields[id] = v
}

func (d *leadDraft) hasTag(name string) bool {
	eq := func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), name) }
	return slices.ContainsFunc(d.lead.Tags, func(t activities.Tag) bool { return eq(t.Name) }) || slices.ContainsFunc(d.tags, eq)
}

func (d *leadDraft) tag(name string) {
	if name != "" && !d.hasTag(name) {
		d.tags = append(d.tags, name)
	}
}

func (d *leadDraft) tagCount() int { return len(d.lead.Tags) + len(d.tags) }

// changedFields are the fields whose value differs from the lead's.
func (d *leadDraft) changedFields() []activities.FieldValues {
	var out []activities.FieldValues
	for _, id := range d.order {
		if v := d.fields[id]; v != d.lead.Fields[id] {
			out = append(out, textField(id, v))
		}
	}
	return out
}

// allTags are the lead's tags and the added ones, each resolved in the account.
func (d *leadDraft) allTags(acc amoSettings) []activities.Tag {
	out := slices.Clone(d.lead.Tags)
	for _, name := range d.tags {
		out = append(out, acc.tag(name))
	}
	return out
}

// leadWrite is one phase's writes: one PATCH, then the notes.
type leadWrite struct {
	Patch activities.PatchLeadInput
	// Notes are common notes on the lead, then the service note.
	Notes   []string
	Service string
}

// firstContained is the first site contained in text ("" if none).
func firstContained(sites []string, text string) string {
	for _, s := range sites {
		if s != "" && strings.Contains(text, s) {
			return s
		}
	}
	return ""
}

// firstTagged is the first site the draft has as a tag ("" if none).
func firstTagged(sites []string, d *leadDraft) string {
	for _, s := range sites {
		if s != "" && d.hasTag(s) {
			return s
		}
	}
	return ""
}

// formNote is the note naming the site form of field form_id ("" if none).
func formNameNote(formID string) string {
	switch strings.TrimSpace(formID) {
	case "contactForm_tel":
		return formCallbackNote
	case "contactForm":
		return formSignUpNote
	}
	return ""
}

// cityName translates a city through the table, ignoring case; unknown
// names stay as they are.
func cityName(cities map[string]string, city string) string {
	c := strings.TrimSpace(city)
	if v, ok := cities[c]; ok {
		return v
	}
	for k, v := range cities {
		if strings.EqualFold(k, c) {
			return v
		}
	}
	return city
}

// promoType is a form type without the word Акция and with Записаться in
// lower case ("Акция Записаться на курс" → "записаться на курс").
func promoType(t string) string {
	var words []string
	for _, w := range strings.Fields(t) {
		switch w {
		case "Акция":
			continue
		case "Записаться":
			w = strings.ToLower(w)
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// phase1 is the first pass over a new lead of a processed pipeline: the
// form's note, the site and its tag, JivoSite chats, promotions, long
// values cut; written with the lead renamed, before any waiting.
func phase1(l activities.LeadCard, ids initialIDs, t config.InitialLead, acc amoSettings, leadName string) leadWrite {
	d := newDraft(l)
	if n := formNameNote(d.get(ids.FormID)); n != "" {
		d.notes = append(d.notes, n)
	}
	page := d.get(ids.Page)
	if strings.Contains(page, cosmetologyPage) {
		d.set(ids.Site, cosmetologySite)
	}
	if strings.Contains(page, fitnessPage) {
		d.notes = append(d.notes, fitnessNotes...)
		d.tag("WeGym")
	}
	if strings.Contains(page, trialPage) {
		d.notes = append(d.notes, trialPageNote)
	}
	site, typ := d.get(ids.Site), d.get(ids.Type)
	switch {
	case site != "":
		d.tag(firstContained(t.Sites, site))
	case typ != "":
		if s := firstContained(t.Sites, typ); s != "" {
			d.set(ids.Site, s)
			d.tag(s)
		}
	}
	if d.hasTag("JivoSite") {
		if s := firstTagged(t.Sites, d); s != "" {
			d.set(ids.Site, s)
			d.set(ids.Type, "Jivosite "+s)
		}
		if city := d.get(ids.City); city != "" {
			if ru := cityName(t.Cities, city); ru != city {
				d.set(ids.City, ru)
			}
		}
	}
	if strings.Contains(typ, "Акция") || strings.Contains(typ, "акцию") {
		d.set(ids.Type, promoType(typ))
		d.tag("Акция")
	}
	cutLong(d)
	d.tag(t.PipelineTags[l.PipelineID])
	return leadWrite{
		Patch: activities.PatchLeadInput{Account: acc.Account, ID: l.ID, Name: leadName,
			Fields: d.changedFields(), SetTags: true, Tags: d.allTags(acc)},
		Notes:   d.notes,
		Service: phase1Done,
	}
}

// cutLong cuts every text value longer than maxFieldLen (amoCRM refuses
// longer ones in text fields).
func cutLong(d *leadDraft) {
	ids := make([]int64, 0, len(d.lead.Fields)+len(d.fields))
	for id := range d.lead.Fields {
		ids = append(ids, id)
	}
	for id := range d.fields {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if v := d.get(id); utf8.RuneCountInString(v) > maxFieldLen {
			d.set(id, truncate(v, maxFieldLen))
		}
	}
}

// waitsForCall reports whether a lead made by telephony waits for its call
// result before the second phase: its name says sip (the PBX names leads
// so) and its source is a direct call, call tracking or an Instagram call
// (not an Instagram form).
func waitsForCall(name string, l activities.LeadCard, ids initialIDs) bool {
	if !strings.Contains(name, "sip") {
		return false
	}
	src, typ := l.Fields[ids.Source], l.Fields[ids.Type]
	return strings.Contains(src, "Прямой") || strings.Contains(src, "Коллтрекинг") ||
		(strings.Contains(src, "instagram") && !strings.Contains(typ, "instagram"))
}

// callAnswered reports whether a manager filled the call result.
func callAnswered(l activities.LeadCard, ids initialIDs) bool {
	return strings.TrimSpace(l.Fields[ids.Result]) != ""
}

// phase2 is the second pass, on the lead as it is after the call (or at
// once): channel (WhatsApp, call tracking, Instagram, VK, YouTube, direct
// call, hand-made), the call result's default, the site from the tags,
// promotions and the stage moves.
func phase2(l activities.LeadCard, ids initialIDs, t config.InitialLead, acc amoSettings, st initialStages) leadWrite {
	d := newDraft(l)
	if d.tagCount() > 0 {
		for _, w := range t.Wazzup {
			if d.hasTag(w.Tag) {
				d.set(ids.Type, "whatsapp")
				d.set(ids.Site, w.Site)
				d.set(ids.Source, w.Site+"-whatsapp")
				d.tag(w.Site)
				break
			}
		}
	}
	if src := d.get(ids.Source); src != "" {
		switch {
		case d.hasTag("Коллтрекинг") || strings.Contains(src, "Коллтрекинг"):
			d.set(ids.Type, "Коллтрекинг")
			// The tracker's own marker is the real source; without one the
			// source stays (the old processor blanked it).
			if m := d.get(ids.CallMarker); m != "" {
				d.set(ids.Source, m)
			}
			d.tag("Коллтрекинг")
		case strings.Contains(src, "instagram"):
			d.set(ids.Type, "instagram")
			d.tag("insta")
		case strings.Contains(src, "-vk"):
			d.set(ids.Type, "vk")
			d.tag("vkontakte")
		case strings.Contains(src, "-youtube"):
			d.set(ids.Type, "youtube")
			d.tag("youtube")
		case d.hasTag("Прямой звонок") || strings.Contains(src, "Прямой звонок"):
			d.set(ids.Type, "Прямой звонок")
			d.tag("Прямой звонок")
		}
	}
	if d.tagCount() == 0 {
		d.tag("Ручная")
		d.set(ids.Site, manualSite)
	}
	if strings.TrimSpace(d.get(ids.Result)) == "" {
		typ := d.get(ids.Type)
		switch {
		case strings.Contains(typ, "аявк"):
			d.set(ids.Result, "Заявка с сайта")
		case strings.Contains(typ, "Jivosite"):
			d.set(ids.Result, "Jivosite")
		case d.hasTag("Ручная"):
			d.set(ids.Result, "Ручная сделка")
		case typ != "":
			d.set(ids.Result, typ)
		}
	}
	if s := firstTagged(t.Sites, d); s != "" {
		d.set(ids.Site, s)
	}
	page := d.get(ids.Page)
	for _, p := range t.PromoPages {
		if p != "" && strings.Contains(page, p) {
			d.tag("Акция")
			break
		}
	}
	cutLong(d)
	w := leadWrite{
		Patch:   activities.PatchLeadInput{Account: acc.Account, ID: l.ID, Fields: d.changedFields()},
		Service: phase2Done,
	}
	if len(d.tags) > 0 {
		w.Patch.SetTags, w.Patch.Tags = true, d.allTags(acc)
	}
	if d.get(ids.Result) == callTaken && l.PipelineID == st.Intake.PipelineID && l.StatusID == st.Intake.StatusID && st.InWork != 0 {
		w.Patch.PipelineID, w.Patch.StatusID = st.Intake.PipelineID, st.InWork
	}
	if t.TrialTag != "" && d.hasTag(t.TrialTag) && st.Trial.PipelineID != 0 {
		w.Patch.PipelineID, w.Patch.StatusID = st.Trial.PipelineID, st.Trial.StatusID
	}
	return w
}

// socialRow is the row of the lead's pipeline (ok false: not a social pipeline).
func socialRow(t config.InitialLead, pipeline int64) (config.SocialPipeline, bool) {
	for _, s := range t.Social {
		if s.PipelineID == pipeline {
			return s, true
		}
	}
	return config.SocialPipeline{}, false
}

// socialWrite is what a lead of a social-network pipeline gets: first its
// marks and the responsible (Mark), then, apart, the move to the intake
// (Move): moving and reassigning at once fires the pipeline's own
// triggers on the old stage.
type socialWrite struct {
	Mark  activities.PatchLeadInput
	Move  activities.PatchLeadInput
	Notes []string // common notes on the lead
	// InstagramNote is the profile address for a note on the contact ("" for none).
	InstagramNote string
	Service       string
}

// social plans a social-network lead; instagram is its contact's Instagram
// handle ("" when none or not read).
func social(l activities.LeadCard, row config.SocialPipeline, ids initialIDs, t config.InitialLead, acc amoSettings, st initialStages, leadName, instagram string) socialWrite {
	d := newDraft(l)
	for _, tag := range row.Tags {
		d.tag(tag)
	}
	d.set(ids.Site, row.Site)
	d.set(ids.Source, row.Source)
	d.set(ids.Type, row.Type)
	d.set(ids.Result, row.Type)
	var w socialWrite
	if row.Type == "instagram" {
		if h := strings.TrimSpace(strings.ReplaceAll(instagram, "@", "")); h != "" {
			w.InstagramNote = "https://www.instagram.com/" + h + "/"
		}
	}
	for _, id := range []int64{ids.Referer, ids.FormText} {
		if v := strings.TrimSpace(l.Fields[id]); id != 0 && v != "" {
			w.Notes = append(w.Notes, v)
		}
	}
	cutLong(d)
	w.Mark = activities.PatchLeadInput{Account: acc.Account, ID: l.ID, ResponsibleID: acc.DefaultResponsible,
		Fields: d.changedFields(), SetTags: true, Tags: d.allTags(acc)}
	w.Move = activities.PatchLeadInput{Account: acc.Account, ID: l.ID, Name: leadName}
	if !row.KeepPipeline {
		w.Move.PipelineID, w.Move.StatusID = st.Intake.PipelineID, st.Intake.StatusID
	}
	if t.TrialTag != "" && d.hasTag(t.TrialTag) && st.Trial.PipelineID != 0 {
		w.Move.PipelineID, w.Move.StatusID = st.Trial.PipelineID, st.Trial.StatusID
	}
	w.Service = socialDone
	return w
}
