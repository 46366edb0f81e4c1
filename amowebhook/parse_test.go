package amowebhook

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Bodies as amoCRM sends them (docs/architecture.md#webhook-format).
const (
	digitalPipeline = "leads[status][0][id]=2050297&leads[status][0][status_id]=35573056&leads[status][0][pipeline_id]=3643927&leads[status][0][old_status_id]=35572897&leads[status][0][old_pipeline_id]=3643927&account[id]=29085955&account[subdomain]=domain"

	accountAdd = "leads[add][0][id]=1190401&leads[add][0][name]=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0&leads[add][0][status_id]=53861254&leads[add][0][price]=34343&leads[add][0][responsible_user_id]=9040358&leads[add][0][last_modified]=1672189247&leads[add][0][modified_user_id]=9040358&leads[add][0][created_user_id]=9040358&leads[add][0][date_create]=1672189247&leads[add][0][pipeline_id]=6254262&leads[add][0][account_id]=30739638&leads[add][0][custom_fields][0][id]=66339&leads[add][0][custom_fields][0][name]=%D0%98%D1%81%D1%82%D0%BE%D1%87%D0%BD%D0%B8%D0%BA&leads[add][0][custom_fields][0][values][0][value]=%D0%A1%D0%B0%D0%B9%D1%82&leads[add][0][custom_fields][0][values][0][enum]=139517&leads[add][0][custom_fields][1][id]=731115&leads[add][0][custom_fields][1][name]=Course&leads[add][0][custom_fields][1][values][0][value]=Massage&leads[add][0][custom_fields][1][values][1][value]=Nails&leads[add][0][tags][0][id]=264383&leads[add][0][tags][0][name]=%D0%A0%D1%83%D1%87%D0%BD%D0%B0%D1%8F&leads[add][0][tags][1][id]=246137&leads[add][0][tags][1][name]=mzpo-s.ru&leads[add][0][created_at]=1672189247&leads[add][0][updated_at]=1672189247&account[subdomain]=mzpoeducationsale&account[id]=28395871&account[_links][self]=https%3A%2F%2Fmzpoeducationsale.amocrm.ru"

	batch = "leads[status][0][id]=101&leads[status][0][status_id]=35942104&leads[status][0][pipeline_id]=3198184&leads[status][0][old_status_id]=32532883&leads[status][0][old_pipeline_id]=3198184" +
		"&leads[status][1][id]=102&leads[status][1][status_id]=35942104&leads[status][1][pipeline_id]=3198184&leads[status][1][old_status_id]=32532880&leads[status][1][old_pipeline_id]=3198184" +
		"&leads[status][10][id]=110&leads[status][10][status_id]=35942104&leads[status][10][pipeline_id]=3198184&leads[status][10][old_status_id]=32532883&leads[status][10][old_pipeline_id]=3198184" +
		"&leads[status][2][id]=103&leads[status][2][status_id]=35942104&leads[status][2][pipeline_id]=3198184&leads[status][2][old_status_id]=32532883&leads[status][2][old_pipeline_id]=3198184" +
		"&account[id]=28395871&account[subdomain]=mzpoeducationsale"

	contactsUpdate = "contacts[update][0][id]=5001&contacts[update][0][name]=Ivan&contacts[update][0][type]=contact&contacts[update][0][responsible_user_id]=2576764&contacts[update][0][old_responsible_user_id]=7149397&contacts[update][0][modified_user_id]=7149397&contacts[update][0][last_modified]=1700000000&contacts[update][0][custom_fields][0][id]=264911&contacts[update][0][custom_fields][0][name]=%D0%A2%D0%B5%D0%BB%D0%B5%D1%84%D0%BE%D0%BD&contacts[update][0][custom_fields][0][code]=PHONE&contacts[update][0][custom_fields][0][values][0][value]=89161234567&contacts[update][0][custom_fields][0][values][0][enum]=2649111&contacts[update][0][custom_fields][0][values][1][value]=%2B7+903+555-01-01&contacts[update][0][custom_fields][0][values][1][enum]=2649113&contacts[update][0][linked_leads_id][77]=77&contacts[update][0][linked_leads_id][55]=55" +
		"&contacts[update][1][id]=6001&contacts[update][1][name]=OOO+Romashka&contacts[update][1][type]=company&contacts[update][1][last_modified]=1700000001" +
		"&account[id]=28395871&account[subdomain]=mzpoeducationsale"

	noteAdd = "leads[note][0][note][id]=900&leads[note][0][note][text]=%D0%9F%D0%B5%D1%80%D0%B5%D0%B7%D0%B2%D0%BE%D0%BD%D0%B8%D1%82%D1%8C&leads[note][0][note][note_type]=4&leads[note][0][note][element_id]=31234567&leads[note][0][note][element_type]=2&leads[note][0][note][date_create]=2020-09-28+00%3A26%3A51&leads[note][0][note][last_modified]=2020-09-28+00%3A27%3A00&leads[note][0][note][created_by]=2576764&account[id]=28395871"
)

func parse(t *testing.T, body string) Delivery {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDigitalPipelineHook(t *testing.T) {
	d := parse(t, digitalPipeline)
	if d.AccountID != 29085955 || d.Subdomain != "domain" {
		t.Fatalf("account = %d %q", d.AccountID, d.Subdomain)
	}
	want := []Event{{Entity: Leads, Action: ActionStatus, ID: 2050297, StatusID: 35573056, PipelineID: 3643927, OldStatusID: 35572897, OldPipelineID: 3643927}}
	if !reflect.DeepEqual(d.Events, want) {
		t.Fatalf("events = %+v", d.Events)
	}
	if d.Events[0].ModifiedAt() != 0 {
		t.Fatal("a digital-pipeline hook carries no modification time")
	}
}

func TestAccountHookWithCustomFieldsAndTags(t *testing.T) {
	d := parse(t, accountAdd)
	if len(d.Events) != 1 {
		t.Fatalf("events = %+v", d.Events)
	}
	e := d.Events[0]
	if e.ID != 1190401 || e.Action != ActionAdd || e.Name != "Сделка" || e.Price != 34343 || e.ResponsibleUserID != 9040358 ||
		e.LastModified != 1672189247 || e.CreatedAt != 1672189247 || e.AccountID != 30739638 || e.StatusID != 53861254 {
		t.Fatalf("event = %+v", e)
	}
	wantFields := []CustomField{
		{ID: 66339, Name: "Источник", Values: []FieldValue{{Value: "Сайт", Enum: 139517}}},
		{ID: 731115, Name: "Course", Values: []FieldValue{{Value: "Massage"}, {Value: "Nails"}}},
	}
	if !reflect.DeepEqual(e.CustomFields, wantFields) {
		t.Fatalf("custom fields = %+v", e.CustomFields)
	}
	if f := e.Field(731115); f == nil || f.Values[1].Value != "Nails" {
		t.Fatalf("Field(731115) = %+v", f)
	}
	if !reflect.DeepEqual(e.Tags, []Tag{{264383, "Ручная"}, {246137, "mzpo-s.ru"}}) {
		t.Fatalf("tags = %+v", e.Tags)
	}
	if d.AccountID != 28395871 || d.Subdomain != "mzpoeducationsale" {
		t.Fatalf("account = %d %q", d.AccountID, d.Subdomain)
	}
}

func TestBatchKeepsEveryEntityInIndexOrder(t *testing.T) {
	d := parse(t, batch)
	var ids []int64
	for _, e := range d.Events {
		ids = append(ids, e.ID)
	}
	if !reflect.DeepEqual(ids, []int64{101, 102, 103, 110}) {
		t.Fatalf("ids = %v (every entity, by numeric index)", ids)
	}
}

func TestContactsAndCompanies(t *testing.T) {
	d := parse(t, contactsUpdate)
	if len(d.Events) != 2 {
		t.Fatalf("events = %+v", d.Events)
	}
	c, co := d.Events[0], d.Events[1]
	if c.Entity != Contacts || c.Type != "contact" || c.OldResponsibleUserID != 7149397 || c.ModifiedUserID != 7149397 {
		t.Fatalf("contact = %+v", c)
	}
	phones := c.CustomFields[0]
	if phones.Code != "PHONE" || len(phones.Values) != 2 || phones.Values[1] != (FieldValue{"+7 903 555-01-01", 2649113}) {
		t.Fatalf("phones = %+v", phones)
	}
	if !reflect.DeepEqual(c.LinkedLeadIDs, []int64{55, 77}) {
		t.Fatalf("linked leads = %v", c.LinkedLeadIDs)
	}
	if co.Entity != Companies || co.ID != 6001 || co.Type != "company" {
		t.Fatalf("company = %+v", co)
	}
}

func TestNoteWithDateTimeStrings(t *testing.T) {
	d := parse(t, noteAdd)
	e := d.Events[0]
	if e.Action != ActionNote || e.Note == nil || e.ID != 31234567 {
		t.Fatalf("event = %+v", e)
	}
	wantCreated := time.Date(2020, 9, 28, 0, 26, 51, 0, Location).Unix()
	n := *e.Note
	if n.Text != "Перезвонить" || n.Type != "4" || n.ElementType != 2 || n.CreatedAt != wantCreated || n.UpdatedAt != wantCreated+9 || n.CreatedBy != 2576764 {
		t.Fatalf("note = %+v", n)
	}
	if e.ModifiedAt() != wantCreated+9 {
		t.Fatalf("modified at = %d", e.ModifiedAt())
	}
}

func TestFlatFields(t *testing.T) {
	d := parse(t, "id=31234567&uid=5bba5dc4-0001&resp=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2")
	if len(d.Events) != 0 || d.Fields["id"] != "31234567" || d.Fields["resp"] != "Иванов" {
		t.Fatalf("delivery = %+v", d)
	}
}

// A bad event is left out and listed with its reason, naming the key and
// never the value; the good events of the same delivery are kept.
func TestBadEventsAreRejectedNotTheDelivery(t *testing.T) {
	const good = "&leads[status][7][id]=70&leads[status][7][status_id]=1"
	for body, want := range map[string]Rejection{
		"leads[status][0][id]=abc":                                         {"leads[status][0]", ReasonBadValue, "leads[status][0][id]: not a number"},
		"leads[status][0][status_id]=1x&leads[status][0][id]=5":            {"leads[status][0]", ReasonBadValue, "leads[status][0][status_id]: not a number"},
		"leads[status][x][id]=5":                                           {"leads[status][x]", ReasonBadIndex, "leads[status][x][id]: the index must be a number from 0 to 9999"},
		"leads[status][0][status_id]=5":                                    {"leads[status][0]", ReasonNoID, "leads[status][0][id]: required, a positive entity id"},
		"leads[note][0][note][date_create]=yesterday&leads[note][0][id]=1": {"leads[note][0]", ReasonBadValue, `leads[note][0][note][date_create]: not Unix seconds nor a "2006-01-02 15:04:05" date-time`},
	} {
		form, _ := url.ParseQuery(body + good)
		d, err := Parse(form)
		if err != nil {
			t.Errorf("Parse(%s): %v", body, err)
			continue
		}
		if len(d.Rejected) != 1 || d.Rejected[0] != want {
			t.Errorf("Parse(%s) rejected %+v, want %+v", body, d.Rejected, want)
		}
		if len(d.Events) != 1 || d.Events[0].ID != 70 {
			t.Errorf("Parse(%s) events %+v, want the good one", body, d.Events)
		}
		for _, r := range d.Rejected {
			if strings.Contains(r.Detail, "abc") || strings.Contains(r.Detail, "yesterday") || strings.Contains(r.Detail, "1x") {
				t.Errorf("rejection %q echoes the value", r.Detail)
			}
		}
	}
	// account[id] is the delivery's, not an event's: still an error.
	form, _ := url.ParseQuery("account[id]=secret-ish" + good)
	if _, err := Parse(form); err == nil || !strings.Contains(err.Error(), "account[id]") || strings.Contains(err.Error(), "secret-ish") {
		t.Errorf("bad account[id]: %v", err)
	}
}

// A value that is not valid URL encoding spoils its event, not the delivery.
func TestParseBodyBadEncoding(t *testing.T) {
	d, err := ParseBody("leads[status][0][id]=5&leads[status][0][status_id]=%zz&leads[status][1][id]=6&junk=%&%zz=1&account[id]=28395871")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rejection{{"leads[status][0]", ReasonBadValue, "leads[status][0][status_id]: not valid URL encoding"}}
	if !reflect.DeepEqual(d.Rejected, want) || len(d.Events) != 1 || d.Events[0].ID != 6 || d.AccountID != 28395871 {
		t.Fatalf("events %+v, rejected %+v", d.Events, d.Rejected)
	}
	if _, err := ParseBody("account[id]=%zz&leads[status][1][id]=6"); err == nil {
		t.Fatal("an undecodable account[id] must fail the delivery")
	}
	// The same as Parse for a clean body.
	form, _ := url.ParseQuery(batch)
	a, _ := Parse(form)
	b, _ := ParseBody(batch)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("ParseBody differs from Parse:\n%+v\n%+v", a, b)
	}
}

func TestTooManyEventsAreRejected(t *testing.T) {
	var b strings.Builder
	for i := 0; i < MaxEvents+3; i++ {
		fmt.Fprintf(&b, "leads[status][%d][id]=%d&", i, i+1)
	}
	form, _ := url.ParseQuery(b.String())
	d, err := Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Events) != MaxEvents || len(d.Rejected) != 3 || d.Rejected[0].Reason != ReasonTooMany {
		t.Fatalf("%d events, rejected %+v", len(d.Events), d.Rejected)
	}
}

func TestJunkKeysAreIgnored(t *testing.T) {
	d := parse(t, "[x]=1&a]b=2&leads[status]=3&leads[status][0]=4&leads[status][0][id]=7&leads[status][0][[id]]=8")
	if len(d.Events) != 1 || d.Events[0].ID != 7 {
		t.Fatalf("events = %+v", d.Events)
	}
}

// FuzzParse: no input panics, and what Parse accepts is well formed.
func FuzzParse(f *testing.F) {
	for _, s := range []string{digitalPipeline, accountAdd, batch, contactsUpdate, noteAdd, "", "a=1", "leads[status][0][id]=1&leads[status][0][custom_fields][0][values][0][value]=x",
		"contacts[add][0][id]=1&contacts[add][0][type]=company", "leads[note][0][note][params][text]=t&leads[note][0][note][element_id]=3",
		"leads[add][9999][id]=1", "leads[add][10000][id]=1", "leads[add][-1][id]=1", "leads[add][0][tags][0][id]=-5&leads[add][0][id]=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		d, err := Parse(form)
		if err != nil {
			return
		}
		for _, r := range d.Rejected {
			if r.Event == "" || r.Reason == "" || r.Detail == "" {
				t.Fatalf("rejection %+v", r)
			}
		}
		if len(d.Events) > MaxEvents {
			t.Fatalf("%d events", len(d.Events))
		}
		for _, e := range d.Events {
			switch e.Entity {
			case Leads, Contacts, Companies:
				if e.ID <= 0 {
					t.Fatalf("accepted %s without an id", e.Entity)
				}
			}
		}
	})
}
