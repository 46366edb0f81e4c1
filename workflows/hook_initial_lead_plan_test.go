package workflows

import (
	"slices"
	"strings"
	"testing"

	"amoflow/activities"
	"amoflow/config"
)

// The tables come from config/example.yaml, so these tests also check
// that the shipped configuration carries the old processor's rules.
func initialTestConfig(t *testing.T) (config.InitialLead, amoSettings, initialIDs, initialStages) {
	t.Helper()
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts["retail"]
	acc := amoSettings{Account: "retail", Tags: a.Tags, DefaultResponsible: a.DefaultResponsible}
	ids := initialIDs{FormID: 644511, Page: 639083, Site: 639081, Type: 639075, City: 639087, Source: 639085, Result: 644675,
		CallMarker: 645583, Referer: 647449, FormText: 647653, Instagram: 640695}
	st := initialStages{Intake: a.Intake, InWork: a.Statuses["in_work"],
		Trial: config.Stage{PipelineID: a.Pipelines["trial_lesson"], StatusID: a.Statuses["trial_lesson_booked"]}}
	return a.InitialLead, acc, ids, st
}

func newLead(pipeline int64, fields map[int64]string, tags ...string) activities.LeadCard {
	l := activities.LeadCard{Lead: activities.Lead{ID: 77, Name: "Заявка", PipelineID: pipeline, StatusID: 32532880, Fields: fields}}
	for _, n := range tags {
		l.Tags = append(l.Tags, activities.Tag{Name: n})
	}
	return l
}

func fieldsOf(p activities.PatchLeadInput) map[int64]string {
	out := map[int64]string{}
	for _, f := range p.Fields {
		out[f.ID] = f.Values[0].Text()
	}
	return out
}

func tagsOf(p activities.PatchLeadInput) []string {
	var out []string
	for _, t := range p.Tags {
		out = append(out, t.Name)
	}
	return out
}

func TestPhase1(t *testing.T) {
	tables, acc, ids, _ := initialTestConfig(t)
	long := strings.Repeat("я", 300)
	cases := []struct {
		name      string
		lead      activities.LeadCard
		fields    map[int64]string // expected changes
		tags      []string         // expected tags, all
		notes     []string
		tagIDSite int64 // the id the site tag resolves to, when checked
	}{
		{"callback form on a site", newLead(3198184, map[int64]string{644511: "contactForm_tel", 639081: "https://mzpo-s.ru"}),
			map[int64]string{}, []string{"mzpo-s.ru"}, []string{formCallbackNote}, 246137},
		{"sign-up form, site from the type", newLead(3198184, map[int64]string{644511: "contactForm", 639075: "Заявка с сайта mirk.msk.ru"}),
			map[int64]string{639081: "mirk.msk.ru"}, []string{"mirk.msk.ru"}, []string{formSignUpNote}, 246165},
		{"the longer site wins over the one it contains", newLead(3198184, map[int64]string{639081: "lk.mzpo-s.ru"}),
			map[int64]string{}, []string{"lk.mzpo-s.ru"}, nil, 366545},
		{"cosmetology page", newLead(3198184, map[int64]string{639083: "https://mirk.msk.ru/vrach-kosmetolog/", 639081: "mirk.msk.ru"}),
			map[int64]string{639081: "mirk.vrach.kosmetolog"}, []string{"mirk.vrach.kosmetolog"}, nil, 0},
		{"fitness promo page", newLead(3198184, map[int64]string{639083: "https://x/rassylkapartnery_instruktor.fitness.promokod"}),
			map[int64]string{}, []string{"WeGym"}, fitnessNotes, 0},
		{"trial lesson page", newLead(3198184, map[int64]string{639083: "https://mzpo-s.ru/probnyy-urok-po-massazhu"}),
			map[int64]string{}, nil, []string{trialPageNote}, 0},
		{"jivo chat: site, type and city", newLead(3198184, map[int64]string{639087: "moscow"}, "JivoSite", "skillbank.su"),
			map[int64]string{639081: "skillbank.su", 639075: "Jivosite skillbank.su", 639087: "Москва"}, []string{"JivoSite", "skillbank.su"}, nil, 0},
		{"jivo chat, unknown city stays", newLead(3198184, map[int64]string{639087: "Тверь"}, "JivoSite"),
			map[int64]string{}, []string{"JivoSite"}, nil, 0},
		{"promotion", newLead(3198184, map[int64]string{639075: "Акция Записаться на массаж"}),
			map[int64]string{639075: "записаться на массаж"}, []string{"Акция"}, nil, 0},
		{"long value cut", newLead(3198184, map[int64]string{647653: long}),
			map[int64]string{647653: strings.Repeat("я", 256)}, nil, nil, 0},
		{"pipeline tag", newLead(2231320, nil),
			map[int64]string{}, []string{"Семинар РОМС"}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := phase1(c.lead, ids, tables, acc, "Новая сделка")
			if w.Patch.Name != "Новая сделка" || !w.Patch.SetTags || w.Patch.ID != 77 {
				t.Errorf("patch = %+v", w.Patch)
			}
			if got := fieldsOf(w.Patch); !mapsEqual(got, c.fields) {
				t.Errorf("fields = %v, want %v", got, c.fields)
			}
			if got := tagsOf(w.Patch); !slices.Equal(got, c.tags) {
				t.Errorf("tags = %v, want %v", got, c.tags)
			}
			if !slices.Equal(w.Notes, c.notes) || w.Service != phase1Done {
				t.Errorf("notes = %v %q, want %v", w.Notes, w.Service, c.notes)
			}
			if c.tagIDSite != 0 && w.Patch.Tags[len(w.Patch.Tags)-1].ID != c.tagIDSite {
				t.Errorf("site tag = %+v, want id %d", w.Patch.Tags, c.tagIDSite)
			}
		})
	}
}

func mapsEqual(a, b map[int64]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWaitsForCall(t *testing.T) {
	_, _, ids, _ := initialTestConfig(t)
	cases := []struct {
		name, leadName, source, typ string
		want                        bool
	}{
		{"direct call", "sip:123", "Прямой звонок", "", true},
		{"call tracking", "Звонок sip", "mzpo-s.ru Коллтрекинг", "", true},
		{"instagram call", "sip", "mzpo-s.ru_instagram", "", true},
		{"instagram form", "sip", "mzpo-s.ru_instagram", "instagram", false},
		{"not from the PBX", "Заявка", "Прямой звонок", "", false},
		{"site form from the PBX", "sip", "yandex", "", false},
		{"no source", "sip", "", "", false},
	}
	for _, c := range cases {
		l := newLead(3198184, map[int64]string{639085: c.source, 639075: c.typ})
		if got := waitsForCall(c.leadName, l, ids); got != c.want {
			t.Errorf("%s: waitsForCall = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPhase2(t *testing.T) {
	tables, acc, ids, st := initialTestConfig(t)
	cases := []struct {
		name     string
		lead     activities.LeadCard
		fields   map[int64]string
		tags     []string // all tags when they change; nil: tags not written
		pipeline int64
		status   int64
	}{
		{"wazzup", newLead(3198184, map[int64]string{644675: "x"}, "WZ (skillbank_WA)"),
			map[int64]string{639075: "whatsapp", 639081: "skillbank.su", 639085: "skillbank.su-whatsapp"}, []string{"WZ (skillbank_WA)", "skillbank.su"}, 0, 0},
		{"call tracking takes the tracker's marker", newLead(3198184, map[int64]string{639085: "Коллтрекинг", 645583: "yandex-cpc", 644675: "Принят"}),
			map[int64]string{639075: "Коллтрекинг", 639085: "yandex-cpc"}, []string{"Коллтрекинг"}, 3198184, 32532883},
		{"call tracking without a marker keeps the source", newLead(3198184, map[int64]string{639085: "Коллтрекинг"}),
			map[int64]string{639075: "Коллтрекинг", 644675: "Коллтрекинг"}, []string{"Коллтрекинг"}, 0, 0},
		{"instagram", newLead(3198184, map[int64]string{639085: "mzpo-s.ru_instagram"}),
			map[int64]string{639075: "instagram", 644675: "instagram"}, []string{"insta"}, 0, 0},
		{"vk", newLead(3198184, map[int64]string{639085: "mirk-vk", 644675: "y"}),
			map[int64]string{639075: "vk"}, []string{"vkontakte"}, 0, 0},
		{"youtube", newLead(3198184, map[int64]string{639085: "mzpo-youtube", 644675: "y"}),
			map[int64]string{639075: "youtube"}, []string{"youtube"}, 0, 0},
		{"direct call", newLead(3198184, map[int64]string{639085: "Прямой звонок", 644675: "y"}, "mzpo-s.ru"),
			map[int64]string{639075: "Прямой звонок", 639081: "mzpo-s.ru"}, []string{"mzpo-s.ru", "Прямой звонок"}, 0, 0},
		{"hand-made lead", newLead(3198184, nil),
			map[int64]string{639081: manualSite, 644675: "Ручная сделка"}, []string{"Ручная"}, 0, 0},
		{"site form result", newLead(3198184, map[int64]string{639075: "Заявка с сайта mzpo-s.ru", 639081: "mzpo-s.ru"}, "mzpo-s.ru"),
			map[int64]string{644675: "Заявка с сайта"}, nil, 0, 0},
		{"jivo result", newLead(3198184, map[int64]string{639075: "Jivosite skillbank.su", 639081: "skillbank.su"}, "skillbank.su"),
			map[int64]string{644675: "Jivosite"}, nil, 0, 0},
		{"a filled result stays; taken call outside the intake stays", func() activities.LeadCard {
			l := newLead(3198184, map[int64]string{639075: "Заявка", 644675: "Принят", 639081: "mzpo-s.ru"}, "mzpo-s.ru")
			l.StatusID = 32532883
			return l
		}(), map[int64]string{}, nil, 0, 0},
		{"promotion page", newLead(3198184, map[int64]string{639083: "https://mzpo.education/aktsii/massazh", 644675: "y", 639081: "mzpo.education"}, "mzpo.education"),
			map[int64]string{}, []string{"mzpo.education", "Акция"}, 0, 0},
		{"trial lesson tag", newLead(3198184, map[int64]string{644675: "y"}, "Fb_probnii-urok-s-lepkoi"),
			map[int64]string{}, nil, 4586602, 42430264},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := phase2(c.lead, ids, tables, acc, st)
			if got := fieldsOf(w.Patch); !mapsEqual(got, c.fields) {
				t.Errorf("fields = %v, want %v", got, c.fields)
			}
			if got := tagsOf(w.Patch); !slices.Equal(got, c.tags) || w.Patch.SetTags != (c.tags != nil) {
				t.Errorf("tags = %v (set %v), want %v", got, w.Patch.SetTags, c.tags)
			}
			if w.Patch.PipelineID != c.pipeline || w.Patch.StatusID != c.status {
				t.Errorf("stage = %d/%d, want %d/%d", w.Patch.PipelineID, w.Patch.StatusID, c.pipeline, c.status)
			}
			if w.Patch.Name != "" || w.Service != phase2Done {
				t.Errorf("name %q, service %q", w.Patch.Name, w.Service)
			}
		})
	}
}

func TestSocial(t *testing.T) {
	tables, acc, ids, st := initialTestConfig(t)
	row, ok := socialRow(tables, 3326584)
	if !ok {
		t.Fatal("pipeline 3326584 is not in the social table")
	}
	l := newLead(3326584, map[int64]string{647449: "https://instagram.com/ad", 647653: "Хочу на курс"})
	w := social(l, row, ids, tables, acc, st, "Новая сделка", " @olga.massage ")
	want := map[int64]string{639081: "mzpo-s.ru", 639085: "mzpo-s.ru_instagram", 639075: "instagram", 644675: "instagram"}
	if got := fieldsOf(w.Mark); !mapsEqual(got, want) {
		t.Errorf("fields = %v", got)
	}
	if got := tagsOf(w.Mark); !slices.Equal(got, []string{"mzpo-s.ru", "insta"}) || w.Mark.ResponsibleID != 2576764 || w.Mark.PipelineID != 0 {
		t.Errorf("mark = %+v", w.Mark)
	}
	if w.Move.PipelineID != 3198184 || w.Move.StatusID != 32532880 || w.Move.Name != "Новая сделка" || len(w.Move.Fields) != 0 {
		t.Errorf("move = %+v", w.Move)
	}
	if w.InstagramNote != "https://www.instagram.com/olga.massage/" {
		t.Errorf("instagram note = %q", w.InstagramNote)
	}
	if !slices.Equal(w.Notes, []string{"https://instagram.com/ad", "Хочу на курс"}) || w.Service != socialDone {
		t.Errorf("notes = %v %q", w.Notes, w.Service)
	}

	row, _ = socialRow(tables, 3467560)
	w = social(newLead(3467560, nil, "Fb_probnii-urok-s-lepkoi"), row, ids, tables, acc, st, "Новая сделка", "")
	if w.Move.PipelineID != 4586602 || w.Move.StatusID != 42430264 || w.InstagramNote != "" {
		t.Errorf("trial lesson from VK: move = %+v", w.Move)
	}
	w = social(newLead(3467560, nil), row, ids, tables, acc, st, "Новая сделка", "")
	if w.Move.PipelineID != 0 || w.Move.StatusID != 0 || w.Move.Name != "Новая сделка" {
		t.Errorf("a keep_pipeline row moved: %+v", w.Move)
	}
	if _, ok := socialRow(tables, 3198184); ok {
		t.Error("the retail pipeline is in the social table")
	}
}

func TestPromoType(t *testing.T) {
	for in, want := range map[string]string{
		"Акция Записаться на курс": "записаться на курс",
		"Записаться  на  Акция":    "записаться на",
		"Заявка на акцию":          "Заявка на акцию",
	} {
		if got := promoType(in); got != want {
			t.Errorf("promoType(%q) = %q, want %q", in, got, want)
		}
	}
}
