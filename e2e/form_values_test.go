package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"amoflow/amofake"
	"amoflow/starter"
	"amoflow/workflows"
)

// amoTextLimit is what amoCRM (and the fake) keeps of a text field.
const amoTextLimit = 256

// A form that names a reachable person becomes exactly one lead whatever its
// other values: every accepted field at 10 000 characters (the lead field
// holds the first 256, the note the whole text), with NUL and other control
// characters, with invalid UTF-8. The fake amoCRM refuses a text value over
// 256 characters as amoCRM does, so a value not cut would fail the job.
func TestFormAnyValueBecomesALead(t *testing.T) {
	h := newHarness(t)
	run := randomID() // job ids derive from the form; the namespace is shared
	retailCfg := h.cfg.Accounts["retail"]
	// Every harness's fake numbers leads alike, and the tests share one
	// Temporal visibility store: move this test's lead ids (a search
	// attribute) away from those other tests look their workflows up by.
	for i := 0; i < 500; i++ {
		h.fake.AddLead(retail, amofake.Lead{Name: "seed"})
	}
	seeded := len(h.fake.Leads(retail))

	long := func(field string) string {
		head := field + "-" + run + ":"
		return head + strings.Repeat("x", 10000-len(head)-1) + "!"
	}
	var forms []url.Values
	var others []string
	for _, f := range starter.FormFieldNames() {
		if f != "phone" && f != "email" {
			others = append(others, f)
		}
	}
	// Five 10 000-character values per form keep the body under http.body_limit.
	for i := 0; i < len(others); i += 5 {
		form := url.Values{"phone": {fmt.Sprintf("8916%07d", 1000000+i)}, "email": {fmt.Sprintf("p%d-%s@example.ru", i, run)}}
		for _, f := range others[i:min(i+5, len(others))] {
			form.Set(f, long(f))
		}
		forms = append(forms, form)
	}
	// A long phone with a usable email, a long email with a usable phone.
	forms = append(forms,
		url.Values{"phone": {strings.Repeat("телефон-", 1250)}, "email": {"long-phone-" + run + "@example.ru"}},
		url.Values{"phone": {"89165550001"}, "email": {long("email")}})

	type sent struct {
		form url.Values
		id   string
	}
	var jobs []sent
	for _, form := range forms {
		if n := len(form.Encode()); n > int(h.cfg.HTTP.BodyLimit) {
			t.Fatalf("test form of %d bytes exceeds the body limit", n)
		}
		jobs = append(jobs, sent{form, h.accept(form)})
	}

	// NUL and controls, then invalid UTF-8, in every field at once.
	controls := url.Values{}
	broken := url.Values{}
	for _, f := range starter.FormFieldNames() {
		controls.Set(f, f+"\x00-\x01"+run+"\r\x1b")
		broken.Set(f, f+"\xff\xfe-"+run+"\xd0")
	}
	controls.Set("phone", "8 916\x00 555-00-02")
	controls.Set("email", "nul\x00-"+run+"@example.ru")
	broken.Set("phone", "8 916 555-00-03\xff")
	broken.Set("email", "bad-utf8-"+run+"@example.ru\xfe")
	for _, form := range []url.Values{controls, broken} {
		jobs = append(jobs, sent{form, h.accept(form)})
	}

	leadNotes := func(lead int64) string {
		var texts []string
		for _, n := range h.fake.Notes(retail, "leads") {
			if n.EntityID == lead {
				texts = append(texts, fmt.Sprint(n.Params["text"]))
			}
		}
		return strings.Join(texts, "\n")
	}
	seen := map[int64]bool{}
	for i, j := range jobs {
		var res workflows.FormResult
		h.completed(j.id, &res)
		if res.Merged || seen[res.LeadID] {
			t.Errorf("form %d: %+v, want a lead of its own", i, res)
			continue
		}
		seen[res.LeadID] = true
		lead, ok := h.fake.Lead(retail, res.LeadID)
		if !ok {
			t.Fatalf("form %d: lead %d not in amoCRM", i, res.LeadID)
		}
		note := leadNotes(lead.ID)
		for _, f := range lead.CustomFields {
			for _, v := range f.Values {
				s := fmt.Sprint(v.Value)
				if utf8.RuneCountInString(s) > amoTextLimit || !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\x01\x1b\r") {
					t.Errorf("form %d: lead field %d = %.40q… (%d characters)", i, f.FieldID, s, utf8.RuneCountInString(s))
				}
			}
		}
		if i >= len(forms) {
			continue // controls and UTF-8: a lead with clean values is the point
		}
		// Which key fills each lead field: the first in name order.
		keys := make([]string, 0, len(j.form))
		for k := range j.form {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		filled := map[int64]bool{}
		for _, k := range keys {
			v := j.form.Get(k)
			if utf8.RuneCountInString(v) <= amoTextLimit {
				continue
			}
			whole := strings.Contains(note, k+": "+v) || (k == "comment" && strings.HasPrefix(note, v))
			switch id, mapped := retailCfg.FormFields[k]; {
			case mapped && !filled[id]:
				filled[id] = true
				got := amofake.FirstValue(lead.CustomFields, id)
				if want := string([]rune(v)[:amoTextLimit]); got != want {
					t.Errorf("form %d: %s → field %d = %.40q…, want the first 256 characters", i, k, id, got)
				}
				if !whole {
					t.Errorf("form %d: the note lacks the whole %s", i, k)
				}
			case k == "comment", k == "phone", k == "email":
				if !whole {
					t.Errorf("form %d: the note lacks the whole %s", i, k)
				}
			case k == "name", k == "surname":
				c, _ := h.fake.Contact(retail, res.ContactID)
				got := map[string]string{"name": c.FirstName, "surname": c.LastName}[k]
				if utf8.RuneCountInString(got) != amoTextLimit || !whole {
					t.Errorf("form %d: contact %s has %d characters, note holds it whole: %v", i, k, utf8.RuneCountInString(got), whole)
				}
			}
		}
	}
	if n := len(h.fake.Leads(retail)) - seeded; n != len(jobs) {
		t.Errorf("%d leads for %d forms", n, len(jobs))
	}

	// Nobody to call back is still refused, whatever else the form holds.
	code, out := h.postForm(url.Values{"name": {long("name")}, "phone": {"12345"}, "comment": {long("comment")}})
	if code != http.StatusBadRequest || out["field"] != "phone" {
		t.Errorf("a form without a reachable person: %d %v", code, out)
	}
}
