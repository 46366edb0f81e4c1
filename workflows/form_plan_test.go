package workflows

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"amoflow/activities"
	"amoflow/config"
)

var retail = formSettings{
	Account:           "retail",
	Intake:            config.Stage{PipelineID: 3198184, StatusID: 32532880},
	ExcludedPipelines: []int64{3338257},
	ExcludedStatuses:  []int64{58522914},
	FormFields:        map[string]int64{"form_name_site": 639075, "site": 639081, "event": 725709, "event_name": 725709},
	FormTags:          []config.TagRule{{Contains: "mzpo-s.ru", Tag: "mzpo-s.ru"}, {Contains: "Выставка", Tag: "Выставка"}},
	Tags:              map[string]int64{"mzpo-s.ru": 246137},
}

func TestMergeTargetSkipsClosedAndExcluded(t *testing.T) {
	leads := []activities.Lead{
		{ID: 1, PipelineID: 3198184, StatusID: statusWon, UpdatedAt: 900},
		{ID: 2, PipelineID: 3198184, StatusID: 32532883, UpdatedAt: 100},
		{ID: 3, PipelineID: 3338257, StatusID: 1, UpdatedAt: 800},        // excluded pipeline
		{ID: 4, PipelineID: 3198184, StatusID: 58522914, UpdatedAt: 700}, // excluded status
		{ID: 5, PipelineID: 3198184, StatusID: statusLost, UpdatedAt: 950},
		{ID: 6, PipelineID: 5234134, StatusID: 2, UpdatedAt: 200},
	}
	got, ok := mergeTarget(leads, retail)
	if !ok || got.ID != 6 {
		t.Fatalf("merge target = %d %v, want 6 (the most recently updated open lead)", got.ID, ok)
	}
	// The order amoCRM answers in must not matter.
	for i, j := 0, len(leads)-1; i < j; i, j = i+1, j-1 {
		leads[i], leads[j] = leads[j], leads[i]
	}
	if again, _ := mergeTarget(leads, retail); again.ID != 6 {
		t.Fatalf("reversed order picked %d", again.ID)
	}
	if _, ok := mergeTarget(leads[:0], retail); ok {
		t.Fatal("no leads, no target")
	}
}

func TestVerifiedContactsDropsFuzzyHits(t *testing.T) {
	hits := []activities.Contact{
		{ID: 1, Phones: []string{"+7 (916) 123-45-670"}, UpdatedAt: 5}, // contains the digits, another number
		{ID: 2, Phones: []string{"8 916 123 45 67"}, UpdatedAt: 3},
		{ID: 3, Emails: []string{"Ivan@Example.ru"}, UpdatedAt: 9},
	}
	got := verifiedContacts(hits, "+79161234567", "")
	if len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("by phone: %+v", got)
	}
	got = verifiedContacts(hits, "", "ivan@example.ru")
	if len(got) != 1 || got[0].ID != 3 {
		t.Fatalf("by email: %+v", got)
	}
}

func TestFormFieldsAndTags(t *testing.T) {
	fields := map[string]string{
		"form_name_site": "Заявка с формы Записаться mzpo-s.ru",
		"site":           "mzpo-s.ru",
		"event":          "ДОД",
		"event_name":     "other",
		"unknown":        "x",
	}
	got := formFields(fields, retail)
	want := map[int64]string{639075: fields["form_name_site"], 639081: "mzpo-s.ru", 725709: "ДОД"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	tags := formTags(fields, retail)
	if !reflect.DeepEqual(tags, []activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}}) {
		t.Fatalf("tags = %v", tags)
	}
	merged, added := addTags([]activities.Tag{{ID: 246137, Name: "mzpo-s.ru"}}, tags)
	if added || len(merged) != 1 {
		t.Fatalf("a tag the lead has is not added again: %v %v", merged, added)
	}
	merged, added = addTags([]activities.Tag{{ID: 9, Name: "Ручная"}}, tags)
	if !added || len(merged) != 2 {
		t.Fatalf("append: %v %v", merged, added)
	}
}

func TestEmptyFieldsNeverOverwrites(t *testing.T) {
	lead := activities.Lead{Fields: map[int64]string{639075: "manager's text", 639081: " "}}
	got := emptyFields(map[int64]string{639075: "form", 639081: "site", 639083: "page"}, lead)
	want := map[int64]string{639081: "site", 639083: "page"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestNewLeadStage(t *testing.T) {
	if p, s := newLeadStage(map[string]string{}, retail); p != 3198184 || s != 32532880 {
		t.Fatalf("default = %d/%d", p, s)
	}
	if p, s := newLeadStage(map[string]string{"pipeline": "4586602", "status": "42430264"}, retail); p != 4586602 || s != 42430264 {
		t.Fatalf("override = %d/%d", p, s)
	}
	if p, s := newLeadStage(map[string]string{"pipeline": "junk"}, retail); p != 3198184 || s != 32532880 {
		t.Fatalf("junk pipeline = %d/%d", p, s)
	}
}

func TestNormEmail(t *testing.T) {
	for in, want := range map[string]string{" Ivan@Mail.RU ": "ivan@mail.ru", "no-at": "", "@x": "", "a@": "", "a b@c": ""} {
		if got := normEmail(in); got != want {
			t.Errorf("normEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Ivan@Mail.RU ":                   "ivan@mail.ru",
		"a.b+c@sub.example.ru":             "a.b+c@sub.example.ru",
		"not-an-email":                     "",
		"a@b":                              "",
		"@example.ru":                      "",
		"a@example.":                       "",
		"a b@example.ru":                   "",
		"a@@example.ru":                    "",
		"a@ex..ru":                         "",
		"":                                 "",
		strings.Repeat("a", 250) + "@x.ru": "",
	} {
		if got := FormEmail(in); got != want {
			t.Errorf("FormEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCutText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int // characters kept
		cut  bool
	}{
		{"", 0, false},
		{strings.Repeat("я", 256), 256, false},
		{strings.Repeat("я", 257), 256, true},
		{strings.Repeat("x", 10000), 256, true},
		{strings.Repeat("🙂", 300), 256, true}, // characters, not bytes
	} {
		got, cut := cutText(c.in)
		if n := utf8.RuneCountInString(got); n != c.want || cut != c.cut || !strings.HasPrefix(c.in, got) {
			t.Errorf("cutText(%d chars) = %d chars, cut %v; want %d, %v", utf8.RuneCountInString(c.in), n, cut, c.want, c.cut)
		}
	}
}

// Values too long for amoCRM are cut in the lead's fields and kept whole
// in its note, after the comment; nothing else is noted.
func TestFormFieldsCutAndNote(t *testing.T) {
	long := func(c string) string { return strings.Repeat(c, 9999) + "!" }
	cases := []struct {
		name   string
		fields map[string]string
		cut    map[int64]string // lead fields expected cut
		noted  []string         // keys whose whole text the note holds, in order
	}{
		{"nothing long", map[string]string{"phone": "89161234567", "site": "mzpo-s.ru", "comment": "Перезвоните"}, nil, nil},
		{"a long mapped field", map[string]string{"phone": "89161234567", "site": long("s")},
			map[int64]string{639081: strings.Repeat("s", 256)}, []string{"site"}},
		{"exactly the limit", map[string]string{"phone": "89161234567", "site": strings.Repeat("я", 256)}, nil, nil},
		{"long names", map[string]string{"phone": "89161234567", "name": long("n"), "surname": long("s")}, nil, []string{"name", "surname"}},
		{"unusable phone and email", map[string]string{"phone": long("1"), "email": "ivan-at-mail.ru"}, nil, []string{"phone", "email"}},
		{"a long unmapped field is not noted", map[string]string{"phone": "89161234567", "utm_content": long("u")}, nil, nil},
		{"a field shadowed by another key is not noted", map[string]string{"phone": "89161234567", "event": "x", "event_name": long("e")},
			nil, nil},
		{"the key that fills a shared field is", map[string]string{"phone": "89161234567", "event": long("e"), "event_name": "y"},
			map[int64]string{725709: strings.Repeat("e", 256)}, []string{"event"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := formFields(c.fields, retail)
			for id, v := range got {
				if utf8.RuneCountInString(v) > textLimit {
					t.Errorf("field %d has %d characters", id, utf8.RuneCountInString(v))
				}
			}
			for id, want := range c.cut {
				if got[id] != want {
					t.Errorf("field %d = %.20q…, want %.20q…", id, got[id], want)
				}
			}
			note := formNote(c.fields, retail)
			if !strings.HasPrefix(note, c.fields["comment"]) {
				t.Errorf("note does not start with the comment: %.60q", note)
			}
			if len(c.noted) == 0 {
				if note != c.fields["comment"] {
					t.Errorf("note = %.80q, want just the comment", note)
				}
				return
			}
			if !strings.Contains(note, overflowHeading) {
				t.Errorf("note lacks the heading: %.80q", note)
			}
			at := 0
			for _, k := range c.noted {
				i := strings.Index(note, k+": "+c.fields[k])
				if i < at {
					t.Errorf("note lacks the whole %s, or not in order", k)
				}
				at = i
			}
		})
	}
}

func TestContactNameCut(t *testing.T) {
	first, last := contactName(map[string]string{"name": strings.Repeat("я", 300), "surname": "Иванов"})
	if utf8.RuneCountInString(first) != textLimit || last != "Иванов" {
		t.Errorf("contactName = %d chars, %q", utf8.RuneCountInString(first), last)
	}
}

func TestFormTitlePriceResponsible(t *testing.T) {
	s := formSettings{FormFields: map[string]int64{}}
	if got := formNote(map[string]string{"title": "Заявка на курс массажа", "comment": "Перезвоните"}, s); got != "Заявка на курс массажа\n\nПерезвоните" {
		t.Errorf("note = %q", got)
	}
	if got := formNote(map[string]string{"title": " Вебинар "}, s); got != "Вебинар" {
		t.Errorf("title alone = %q", got)
	}
	for in, want := range map[string]int64{"15000": 15000, " 0 ": 0, "abc": 0, "-5": 0, "": 0} {
		if got := formPrice(map[string]string{"price": in}); got != want {
			t.Errorf("formPrice(%q) = %d, want %d", in, got, want)
		}
	}
	fields := map[string]string{"responsible": "2375116"}
	if got := formResponsible(fields, s); got != 0 {
		t.Errorf("responsible honoured where the account does not allow it: %d", got)
	}
	s.FormResponsible = true
	if got := formResponsible(fields, s); got != 2375116 {
		t.Errorf("responsible = %d", got)
	}
	if got := formResponsible(map[string]string{"responsible": "Иванов"}, s); got != 0 {
		t.Errorf("a name as responsible = %d", got)
	}
}

// retailExtras is the retail form with the C# webinar, event and trial
// rules, the organization and event-date fields (config/example.yaml).
var retailExtras = func() formSettings {
	s := retail
	s.Extras = true
	s.LeadFields = map[string]int64{"organization": 645965, "event_datetime": 724347}
	s.Tags = map[string]int64{"mzpo-s.ru": 246137, "Вебинар": 276829, "Мероприятие": 276831}
	s.SiteForm = config.SiteForm{
		WebinarTag: "Вебинар", WebinarStage: config.Stage{PipelineID: 3199819, StatusID: 32544562},
		EventsTag: "Мероприятие", TrialContains: "Пробный урок", TrialStage: config.Stage{PipelineID: 4586602, StatusID: 42430264},
	}
	return s
}()

// corpExtras is the corporate form: "Заявка с сайта" and the site tags.
var corpExtras = formSettings{
	Account: "corp", Extras: true, Intake: config.Stage{PipelineID: 5312269, StatusID: 47317618},
	FormFields: map[string]int64{"form_name_site": 748383, "site": 758213},
	LeadFields: map[string]int64{"organization": 162301},
	Tags:       map[string]int64{"Заявка с сайта": 1109567, "mzpo-s.ru": 1187781},
	SiteForm:   config.SiteForm{Tags: []string{"Заявка с сайта"}, SiteTags: []string{"mirk.msk.ru", "mzpo-s.ru", "mzpo.education", "2gis"}, Company: true},
}

func tagList(tags []activities.Tag) string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return strings.Join(out, ",")
}

func TestFormExtraTagsAndStage(t *testing.T) {
	for _, c := range []struct {
		name     string
		s        formSettings
		fields   map[string]string
		tags     string
		pipeline int64
		status   int64
		webinar  bool
	}{
		{"plain form", retailExtras, map[string]string{"form_name_site": "Заявка mzpo-s.ru"}, "mzpo-s.ru", 3198184, 32532880, false},
		{"free webinar", retailExtras, map[string]string{"webinar": "true"}, "Вебинар", 3199819, 32544562, true},
		{"paid webinar stays in intake", retailExtras, map[string]string{"webinar": "True", "price": "1500"}, "Вебинар", 3198184, 32532880, true},
		{"webinar false", retailExtras, map[string]string{"webinar": "false", "events": "0"}, "", 3198184, 32532880, false},
		{"event", retailExtras, map[string]string{"events": "1"}, "Мероприятие", 3198184, 32532880, false},
		{"trial lesson before webinar", retailExtras, map[string]string{"form_name_site": "Пробный урок", "webinar": "true"}, "Вебинар", 4586602, 42430264, true},
		{"the form's pipeline wins", retailExtras, map[string]string{"webinar": "true", "pipeline": "5234134"}, "Вебинар", 5234134, 0, true},
		{"before the version: no rules", retail, map[string]string{"webinar": "true", "events": "true", "form_name_site": "Пробный урок"}, "", 3198184, 32532880, false},
		{"corp: site tags", corpExtras, map[string]string{"site": "mzpo-s.ru/kursy", "webinar": "true"}, "Заявка с сайта,mzpo-s.ru", 5312269, 47317618, false},
		{"corp: every site contained", corpExtras, map[string]string{"site": "Mirk.msk.ru и 2gis"}, "Заявка с сайта,mirk.msk.ru,2gis", 5312269, 47317618, false},
		{"corp: the name rule and the site tag once", corpExtras, map[string]string{"site": "mzpo-s.ru", "form_name_site": "mzpo-s.ru"}, "Заявка с сайта,mzpo-s.ru", 5312269, 47317618, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.s
			if c.name == "corp: the name rule and the site tag once" {
				s.FormTags = []config.TagRule{{Contains: "mzpo-s.ru", Tag: "mzpo-s.ru"}}
				c.tags = "mzpo-s.ru,Заявка с сайта"
			}
			tags := formTags(c.fields, s)
			if got := tagList(tags); got != c.tags {
				t.Errorf("tags = %q, want %q", got, c.tags)
			}
			for _, tg := range tags {
				if tg.ID != s.Tags[tg.Name] {
					t.Errorf("tag %+v: want the account's id %d", tg, s.Tags[tg.Name])
				}
			}
			if p, st := newLeadStage(c.fields, s); p != c.pipeline || st != c.status {
				t.Errorf("stage = %d/%d, want %d/%d", p, st, c.pipeline, c.status)
			}
			if got := webinarForm(c.fields, s); got != c.webinar {
				t.Errorf("webinar = %v, want %v", got, c.webinar)
			}
		})
	}
}

func TestFormDate(t *testing.T) {
	msk := func(y int, m time.Month, d, h, min int) int64 {
		return time.Date(y, m, d, h, min, 0, 0, time.FixedZone("", 3*3600)).Unix()
	}
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"15.03.2027", msk(2027, 3, 15, 0, 0), true},
		{"15.03.2027 18:30", msk(2027, 3, 15, 18, 30), true},
		{"2027-03-15", msk(2027, 3, 15, 0, 0), true},
		{"2027-03-15T18:30", msk(2027, 3, 15, 18, 30), true},
		{"2027-03-15 18:30:00", msk(2027, 3, 15, 18, 30), true},
		{"2027-03-15T15:30:00Z", msk(2027, 3, 15, 18, 30), true},
		{" 15.03.2027 ", msk(2027, 3, 15, 0, 0), true},
		{"завтра", 0, false},
		{"31.02.2027", 0, false},
		{"", 0, false},
	} {
		if got, ok := formDate(c.in); got != c.want || ok != c.ok {
			t.Errorf("formDate(%q) = %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestFormOrganization(t *testing.T) {
	for in, want := range map[string]string{"МЦПО": "МЦПО", "НОЧУ ДПО МЦПО": "МЦПО", "ООО «МИРК»": "ООО «МИРК»", " ООО «МЦПО» ": "ООО «МЦПО»", "Рога и копыта": "", "": ""} {
		got, ok := formOrganization(in)
		if ok != (want != "") || (ok && got != want) {
			t.Errorf("formOrganization(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestFormExtraFieldsAndNote(t *testing.T) {
	fields := map[string]string{"comment": "Хочу на курс", "organization": "НОЧУ ДПО МЦПО", "date": "15.03.2027 18:30", "site": "mzpo-s.ru"}
	got := formFields(fields, retailExtras)
	want := map[int64]string{639081: "mzpo-s.ru", 639075: "Хочу на курс", 645965: "МЦПО", 724347: "1805124600"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v (type from the comment, organization, date)", got, want)
	}
	if n := formNote(fields, retailExtras); n != "Хочу на курс" {
		t.Errorf("note = %q, want the comment alone", n)
	}
	// The form name wins over the comment; before the version nothing new is written.
	fields["form_name_site"] = "Заявка"
	if got := formFields(fields, retailExtras); got[639075] != "Заявка" {
		t.Errorf("type = %q, want the form name", got[639075])
	}
	if got := formFields(fields, retail); len(got) != 2 {
		t.Errorf("before the version: %v, want the form name and site only", got)
	}
	// A bad date and an unknown organization are kept in the note, not written.
	bad := map[string]string{"phone": "+79161234567", "organization": "Рога и копыта", "date": "в пятницу"}
	if got := formFields(bad, retailExtras); len(got) != 0 {
		t.Errorf("bad values written: %v", got)
	}
	note := formNote(bad, retailExtras)
	if !strings.Contains(note, "organization: Рога и копыта") || !strings.Contains(note, "date: в пятницу") || !strings.HasPrefix(note, overflowHeading) {
		t.Errorf("note = %q", note)
	}
	if n := formNote(bad, retail); n != "" {
		t.Errorf("before the version: note %q", n)
	}
	// An account without the fields ignores them without a note (corporate date).
	if n := formNote(map[string]string{"date": "в пятницу"}, corpExtras); n != "" {
		t.Errorf("corp note = %q", n)
	}
}

func TestFormFlag(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "True": true, "1": true, "да": true, "false": false, "0": false, "": false, "maybe": false} {
		if formFlag(in) != want {
			t.Errorf("formFlag(%q) = %v", in, !want)
		}
	}
}

func TestFormWebinarRegistrationPlan(t *testing.T) {
	for in, want := range map[string]int64{"40": 40, " 40 ": 40, "0": 0, "-3": 0, "вебинар": 0, "": 0} {
		if got := webinarID(map[string]string{"webinar_id": in}); got != want {
			t.Errorf("webinarID(%q) = %d, want %d", in, got, want)
		}
	}
	lf := map[string]int64{"webinar_link": 725627, "webinar_date": 725629, "event_datetime": 724347, "webinar_event": 725631,
		"webinar_session": 725633, "webinar_participation": 725635, "event_name": 725709}
	s := formSettings{LeadFields: lf}
	if registeredFor(activities.Lead{}, 40, s) {
		t.Error("a new lead holds no registration")
	}
	if !registeredFor(activities.Lead{ID: 1, Fields: map[int64]string{725631: "40"}}, 40, s) || registeredFor(activities.Lead{ID: 1, Fields: map[int64]string{725631: "39"}}, 40, s) {
		t.Error("a merged lead is registered for the event its webinar_event names, only")
	}
	reg := activities.WebinarRegistration{Name: "Массаж лица", Session: 41, StartsAt: 1805124600, Participation: 900001, Link: "https://events.webinar.ru/j/x"}
	fields, note := webinarUpdate(reg, 40, lf)
	got := map[int64]string{}
	for _, f := range fields {
		got[f.ID] = f.Values[0].Text()
	}
	want := map[int64]string{725627: reg.Link, 725629: "1805124600", 724347: "1805124600", 725631: "40", 725633: "41", 725635: "900001", 725709: "Массаж лица"}
	if !reflect.DeepEqual(got, want) || note != "Ссылка для регистрации на вебинар: https://events.webinar.ru/j/x" {
		t.Errorf("fields = %v, note %q", got, note)
	}
	// Only the configured fields; a failed registration writes a note only.
	if fields, _ := webinarUpdate(reg, 40, map[string]int64{"webinar_link": 1}); len(fields) != 1 {
		t.Errorf("fields = %v, want the link alone", fields)
	}
	fields, note = webinarUpdate(activities.WebinarRegistration{Problem: "webinar.ru: no such event"}, 40, lf)
	if len(fields) != 0 || note != "Не удалось зарегистрировать на вебинар 40 (webinar.ru): webinar.ru: no such event" {
		t.Errorf("failed registration: %v %q", fields, note)
	}
}
