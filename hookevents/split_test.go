package hookevents

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"amoflow/amowebhook"
	"amoflow/workflows"
)

func delivery(t *testing.T, body string) amowebhook.Delivery {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	d, err := amowebhook.Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSplitPicksOneEventPerEntity(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d := delivery(t, "leads[add][0][id]=7&leads[add][0][last_modified]=100"+
		"&leads[status][0][id]=7&leads[status][0][status_id]=35942104&leads[status][0][old_status_id]=32532883&leads[status][0][last_modified]=100"+
		"&leads[status][1][id]=8&leads[status][1][status_id]=35942104&leads[status][1][old_status_id]=32532883"+
		"&leads[delete][0][id]=9&leads[note][0][note][element_id]=10&leads[note][0][note][text]=x"+
		"&contacts[update][0][id]=11&account[id]=28395871")
	evs, err := Split("ret2corp", "retail", d, at, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.JobID)
	}
	want := []string{
		"wh-retail-ret2corp-lead7-st35942104-from32532883-at100", // the status change wins over the add
		"wh-retail-ret2corp-lead8-st35942104-from32532883-win" + strconv.FormatInt(at.Unix(), 10),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %v, want %v (deletes, notes and contacts are not ret2corp's)", got, want)
	}
	if evs[0].Account != "retail" || evs[0].Method != "ret2corp" || evs[0].ID != 7 || !evs[0].ReceivedAt.Equal(at) {
		t.Fatalf("event = %+v", evs[0])
	}

	contacts := delivery(t, "contacts[update][0][id]=11&contacts[update][0][type]=contact&contacts[update][1][id]=12&contacts[update][1][type]=company")
	evs, _ = Split("editcontact", "retail", contacts, at, time.Minute)
	if len(evs) != 1 || evs[0].ID != 11 || evs[0].Entity != "contacts" {
		t.Fatalf("editcontact takes contacts, not companies: %+v", evs)
	}
}

func TestSplitFlatChangeResp(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	evs, err := Split("change_resp", "retail", delivery(t, "id=31234567&uid=c0a6-1&resp=Petrova"), at, time.Minute)
	if err != nil || len(evs) != 1 || evs[0].ID != 31234567 || evs[0].Params["uid"] != "c0a6-1" || evs[0].Params["resp"] != "Petrova" {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	other, _ := Split("change_resp", "retail", delivery(t, "id=31234567&uid=c0a6-1&resp=Ivanova"), at, time.Minute)
	if other[0].JobID == evs[0].JobID {
		t.Fatal("another responsible is another job")
	}
	_, err = Split("change_resp", "retail", delivery(t, "id=31234567&resp=x"), at, time.Minute)
	var fe interface{ Field() string }
	if !errors.As(err, &fe) || fe.Field() != "uid" {
		t.Fatalf("missing uid: %v", err)
	}
	if _, err := Split("nope", "retail", amowebhook.Delivery{}, at, time.Minute); err == nil {
		t.Fatal("unknown method")
	}
}

func TestInitialLeadEventsOncePerLead(t *testing.T) {
	form := url.Values{
		"leads[add][0][id]":                            {"501"},
		"leads[add][1][id]":                            {"502"},
		"unsorted[delete][0][action]":                  {"accept"},
		"unsorted[delete][0][uid]":                     {"a1b2"},
		"unsorted[delete][0][accept_result][leads][0]": {"503"},
		"unsorted[delete][1][action]":                  {"decline"},
		"unsorted[delete][1][uid]":                     {"c3d4"},
		"leads[update][0][id]":                         {"504"},
		"account[id]":                                  {"28395871"},
	}
	d, err := amowebhook.Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := Split("initial_lead", "retail", d, time.Unix(1700000000, 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.JobID+"/"+e.Action)
	}
	want := []string{"wh-retail-initial_lead-lead501/add", "wh-retail-initial_lead-lead502/add", "wh-retail-initial_lead-lead503/accept"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if acct, _, ok := workflows.WebhookRoute("initial_lead"); !ok || acct != "retail" {
		t.Errorf("account = %q %v", acct, ok)
	}
}

func TestSplitRespChange(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := delivery(t, "leads[responsible][0][id]=7&leads[responsible][0][responsible_user_id]=6929800"+
		"&leads[responsible][0][old_responsible_user_id]=6102562&leads[responsible][0][modified_user_id]=6929800&leads[responsible][0][last_modified]=100"+
		"&leads[update][0][id]=8&leads[update][0][last_modified]=100"+
		"&contacts[update][0][id]=7&contacts[update][0][type]=contact&contacts[update][0][old_responsible_user_id]=5&contacts[update][0][responsible_user_id]=6&contacts[update][0][modified_user_id]=6&contacts[update][0][last_modified]=101"+
		"&contacts[update][1][id]=9&contacts[update][1][type]=contact&contacts[update][1][last_modified]=101"+
		"&contacts[update][2][id]=10&contacts[update][2][type]=company&contacts[update][2][old_responsible_user_id]=5&contacts[update][2][last_modified]=101"+
		"&account[id]=28395871")
	evs, err := Split("respchange", "retail", d, at, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("events = %+v, want the lead's responsible change and the contact's (not a plain update, not a company)", evs)
	}
	ct, lead := evs[0], evs[1] // in the delivery's order: contacts first
	if lead.Entity != "leads" || lead.ID != 7 || lead.ResponsibleID != 6929800 || lead.OldResponsibleID != 6102562 || lead.ModifiedBy != 6929800 ||
		lead.JobID != "wh-retail-respchange-lead7-at100" {
		t.Errorf("lead event = %+v", lead)
	}
	if ct.Entity != "contacts" || ct.ID != 7 || ct.OldResponsibleID != 5 || ct.JobID != "wh-retail-respchange-contact7-at101" {
		t.Errorf("contact event = %+v: a lead and a contact with one id are two events", ct)
	}
}

func TestPaymentForm(t *testing.T) {
	for _, c := range []struct {
		name      string
		body      string
		withPrice bool
		want      map[string]string
		badField  string
	}{
		{"phone and email", "phone=8 (916) 123-45-67&email= Ivan@Example.RU ", false, map[string]string{"phone": "+79161234567", "email": "ivan@example.ru"}, ""},
		{"the site's undefined is no value", "phone=undefined&email=ivan@example.ru", false, map[string]string{"phone": "", "email": "ivan@example.ru"}, ""},
		{"an email that is no address is ignored", "phone=89161234567&email=нет", false, map[string]string{"phone": "+79161234567", "email": ""}, ""},
		{"nobody to find", "phone=123&email=undefined", false, nil, "phone"},
		{"no fields at all", "x=1", true, nil, "phone"},
		{"whole roubles", "phone=89161234567&email=&price=15000", true, map[string]string{"phone": "+79161234567", "email": "", "price": "15000"}, ""},
		{"kopecks with a comma and a space", "phone=89161234567&price=1 500,5", true, map[string]string{"phone": "+79161234567", "email": "", "price": "1500.50"}, ""},
		{"the predecessor's 0 for an unreadable amount is refused", "phone=89161234567&price=пятьсот", true, nil, "price"},
		{"a missing amount is refused", "email=a@b.ru", true, nil, "price"},
		{"a negative amount is refused", "email=a@b.ru&price=-5", true, nil, "price"},
	} {
		d, err := amowebhook.ParseBody(strings.ReplaceAll(c.body, " ", "+"))
		if err != nil {
			t.Fatal(err)
		}
		name, params, err := paymentForm(c.withPrice)(d)
		var fe FieldError
		switch {
		case c.badField != "":
			if !errors.As(err, &fe) || fe.Field() != c.badField {
				t.Errorf("%s: err = %v, want one blaming %s", c.name, err, c.badField)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(params) != len(c.want) {
			t.Errorf("%s: params = %v, want %v", c.name, params, c.want)
		}
		for k, v := range c.want {
			if params[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, params[k], v)
			}
		}
		if !strings.HasPrefix(name, "pay") || strings.Contains(name, "9161234567") || strings.Contains(name, "@") {
			t.Errorf("%s: event name %q must be a digest, without the phone or email", c.name, name)
		}
	}
}

func TestSplitPaymentForm(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 3, 0, 0, time.UTC)
	d, _ := amowebhook.ParseBody("phone=89161234567&email=a%40b.ru&price=100")
	first, err := Split("retailpaid", "retail", d, at, 10*time.Minute)
	if err != nil || len(first) != 1 {
		t.Fatalf("events = %+v, %v", first, err)
	}
	ev := first[0]
	if !strings.HasPrefix(ev.JobID, "wh-retail-retailpaid-pay") || !strings.HasSuffix(ev.JobID, "-win"+itoa(at.Truncate(10*time.Minute).Unix())) ||
		ev.Params["price"] != "100" || ev.ID != 0 {
		t.Fatalf("event = %+v", ev)
	}
	again, _ := Split("retailpaid", "retail", d, at.Add(time.Minute), 10*time.Minute)
	other, _ := amowebhook.ParseBody("phone=89161234567&email=a%40b.ru&price=200")
	second, _ := Split("retailpaid", "retail", other, at, 10*time.Minute)
	if again[0].JobID != ev.JobID || second[0].JobID == ev.JobID {
		t.Fatalf("the same form within the window is one job, another amount another: %s %s %s", ev.JobID, again[0].JobID, second[0].JobID)
	}
	if _, err := Split("conferencepaid", "corp", amowebhook.Delivery{}, at, time.Minute); err == nil {
		t.Fatal("a payment form without phone and email must be refused")
	}
}

func TestUnsortedAcceptEvents(t *testing.T) {
	form := url.Values{
		"unsorted[add][0][uid]":                  {"u-1"},
		"unsorted[add][0][source_data][service]": {"com.example.forms"},
		"unsorted[add][1][uid]":                  {"u-2"},
		"unsorted[add][1][source_data][service]": {"com.wazzup24.wz"},
		"unsorted[delete][0][uid]":               {"u-3"},
		"account[id]":                            {"28395871"},
	}
	d, err := amowebhook.Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := Split("unsorted_accept", "retail", d, time.Unix(1700000000, 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Params["uid"] != "u-1" || evs[1].Params["service"] != "com.wazzup24.wz" || evs[0].JobID != workflows.UnsortedEventJobID("retail", "unsorted_accept", "u-1") {
		t.Fatalf("events = %+v", evs)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPPIETakesNewLeadsOnly(t *testing.T) {
	if !ppieNew(amowebhook.Event{Entity: "leads", Action: "add"}) || ppieNew(amowebhook.Event{Entity: "leads", Action: "status"}) {
		t.Error("ppie acts on new leads only")
	}
}
