package workflows

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"

	"amoflow/amowebhook"
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

func TestWebhookEventsPicksOneEventPerEntity(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d := delivery(t, "leads[add][0][id]=7&leads[add][0][last_modified]=100"+
		"&leads[status][0][id]=7&leads[status][0][status_id]=35942104&leads[status][0][old_status_id]=32532883&leads[status][0][last_modified]=100"+
		"&leads[status][1][id]=8&leads[status][1][status_id]=35942104&leads[status][1][old_status_id]=32532883"+
		"&leads[delete][0][id]=9&leads[note][0][note][element_id]=10&leads[note][0][note][text]=x"+
		"&contacts[update][0][id]=11&account[id]=28395871")
	evs, err := WebhookEvents("ret2corp", "retail", d, at, 10*time.Minute)
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
	evs, _ = WebhookEvents("editcontact", "retail", contacts, at, time.Minute)
	if len(evs) != 1 || evs[0].ID != 11 || evs[0].Entity != "contacts" {
		t.Fatalf("editcontact takes contacts, not companies: %+v", evs)
	}
}

func TestWebhookEventsFlatChangeResp(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	evs, err := WebhookEvents("change_resp", "retail", delivery(t, "id=31234567&uid=c0a6-1&resp=Petrova"), at, time.Minute)
	if err != nil || len(evs) != 1 || evs[0].ID != 31234567 || evs[0].Params["uid"] != "c0a6-1" || evs[0].Params["resp"] != "Petrova" {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	other, _ := WebhookEvents("change_resp", "retail", delivery(t, "id=31234567&uid=c0a6-1&resp=Ivanova"), at, time.Minute)
	if other[0].JobID == evs[0].JobID {
		t.Fatal("another responsible is another job")
	}
	_, err = WebhookEvents("change_resp", "retail", delivery(t, "id=31234567&resp=x"), at, time.Minute)
	var fe interface{ Field() string }
	if !errors.As(err, &fe) || fe.Field() != "uid" {
		t.Fatalf("missing uid: %v", err)
	}
	if _, err := WebhookEvents("nope", "retail", amowebhook.Delivery{}, at, time.Minute); err == nil {
		t.Fatal("unknown method")
	}
}
