package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"amoflow/amofake"
	"amoflow/internal/forms"
	"amoflow/internal/testrig"
)

// The kinds of request in the stream.
const (
	kindForm    = "form"     // a site form: a new person or a repeat
	kindRet2Cor = "ret2corp" // amoCRM webhook: a retail lead handed to the corporate account
	kindOrder   = "order"    // amoCRM webhook: a retail lead transferred to 1C (calls 1C)
	kindCourse  = "course"   // 1C: a course created in both accounts' catalogs
	kindClient  = "client"   // 1C: a client synced to both accounts' contacts
)

// streams are the kinds with their period at rate 1. At rate 1 the retail
// account gets about 2.5 req/s of its 6: room to work off a backlog.
var streams = []struct {
	kind  string
	every time.Duration
}{
	{kindForm, 3 * time.Second},
	{kindRet2Cor, 15 * time.Second},
	{kindOrder, 15 * time.Second},
	{kindCourse, 20 * time.Second},
	{kindClient, 20 * time.Second},
}

// Phone number ranges (forms.Phone(n)) of each kind, apart so that no flow
// finds another's contact.
const (
	formPhones   = 100_000_000
	hookPhones   = 300_000_000
	orderPhones  = 500_000_000
	clientPhones = 700_000_000
	productUID   = "ac84a29c-a7f3-11eb-8921-20040ffb909d" // the course of every order
	productCat   = 12463                                  // retail's catalog
)

// job is one request of the stream, accepted or not.
type job struct {
	Kind     string    `json:"kind"`
	Key      string    `json:"key"` // what the effect is found by: phone, lead id, 1C GUID
	Comment  string    `json:"-"`   // forms: the note the form must leave
	ID       string    `json:"job_id,omitempty"`
	Sent     time.Time `json:"sent"`
	Accepted time.Time `json:"accepted,omitzero"`
	Refused  int       `json:"refused"` // answers other than 202 before it was accepted
}

// traffic sends the stream and keeps what was sent.
type traffic struct {
	s   *stack
	tag string

	mu      sync.Mutex
	jobs    []*job
	persons []*person
	n       map[string]int
	product int64 // the catalog element every order is for
	wg      sync.WaitGroup
}

type person struct {
	n     int
	first time.Time
}

func newTraffic(s *stack) *traffic {
	t := &traffic{s: s, tag: "soak-" + testrig.RandomHex(3), n: map[string]int{}}
	t.product = s.fake.AddCatalogElement(retail, amofake.CatalogElement{CatalogID: productCat, Name: "Массаж",
		CustomFields: []amofake.FieldValue{amofake.Text(710407, productUID), amofake.Text(647993, "ММЦ")}})
	return t
}

// run sends the stream until ctx ends; every request is retried until it is
// accepted or giveUp ends, as sites, amoCRM and 1C resend what was not.
func (t *traffic) run(ctx, giveUp context.Context, rate float64) {
	var tick sync.WaitGroup
	for _, st := range streams {
		tick.Add(1)
		go func() {
			defer tick.Done()
			every := time.Duration(float64(st.every) / rate)
			tk := time.NewTicker(every)
			defer tk.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
				}
				t.wg.Add(1)
				go func() { defer t.wg.Done(); t.send(giveUp, st.kind) }()
			}
		}()
	}
	tick.Wait()
}

// wait waits for the requests still being retried.
func (t *traffic) wait() { t.wg.Wait() }

func (t *traffic) next(kind string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n[kind]++
	return t.n[kind]
}

// send makes one request of a kind and posts it until it is accepted.
func (t *traffic) send(ctx context.Context, kind string) {
	j := &job{Kind: kind, Sent: time.Now()}
	var method, path, ctype string
	var body []byte
	switch kind {
	case kindForm:
		p := t.person()
		form := forms.Values(p.n, t.tag)
		j.Comment = fmt.Sprintf("Перезвоните, %s #%d.%d", t.tag, p.n, t.next("comment"))
		form.Set("comment", j.Comment)
		j.Key = forms.Phone(p.n)
		method, path, ctype, body = "POST", "/v1/forms", "application/x-www-form-urlencoded", []byte(form.Encode())
	case kindRet2Cor:
		lead := t.seedRet2Corp(t.next(kind))
		j.Key = fmt.Sprint(lead)
		body = fmt.Appendf(nil, "leads[status][0][id]=%d&leads[status][0][status_id]=35942104&leads[status][0][pipeline_id]=3198184&leads[status][0][old_status_id]=32532883&leads[status][0][old_pipeline_id]=3198184&account[id]=%d&account[subdomain]=%s",
			lead, t.s.retail.AccountID, retail)
		method, path, ctype = "POST", "/v1/amo/webhooks/ret2corp?token="+hookToken, "application/x-www-form-urlencoded"
	case kindOrder:
		lead := t.seedOrder(t.next(kind))
		j.Key = fmt.Sprint(lead)
		body = []byte(url.Values{"leads[status][0][id]": {fmt.Sprint(lead)}, "leads[status][0][status_id]": {"142"},
			"account[id]": {fmt.Sprint(t.s.retail.AccountID)}, "account[subdomain]": {retail}}.Encode())
		method, path, ctype = "POST", "/v1/amo/webhooks/savelead?token="+hookToken, "application/x-www-form-urlencoded"
	case kindCourse:
		n := t.next(kind)
		j.Key = newGUID()
		body, _ = json.Marshal(map[string]any{"product_id_1C": j.Key, "name": fmt.Sprintf("Курс %s %d", t.tag, n), "short_name": "ММЦ-И",
			"ItemPrices": []map[string]any{{"PriceType": "Основная цена", "UID": "9e633e6d-3d2d-11eb-86e1-82172a65f31e", "Price": 6000 + n}},
			"duration":   72, "format": "Очная"})
		method, path, ctype = "POST", "/v1/1c/courses", "application/json"
	case kindClient:
		n := t.next(kind)
		j.Key = newGUID()
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, forms.Phone(clientPhones+n))
		body, _ = json.Marshal(map[string]any{"client_id_1C": j.Key, "name": fmt.Sprintf("Клиент %s %d", t.tag, n), "phone": digits,
			"email": fmt.Sprintf("client.%s.%d@example.ru", t.tag, n)})
		method, path, ctype = "POST", "/v1/1c/clients", "application/json"
	}
	t.mu.Lock()
	t.jobs = append(t.jobs, j)
	t.mu.Unlock()

	for {
		id, ok := t.post(ctx, method, path, ctype, body)
		t.mu.Lock()
		if ok {
			j.ID, j.Accepted = id, time.Now()
		} else {
			j.Refused++
		}
		t.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// post sends a request and returns the job id of a 202.
func (t *traffic) post(ctx context.Context, method, path, ctype string, body []byte) (string, bool) {
	req, err := http.NewRequestWithContext(ctx, method, t.s.api+path, bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	req.Header.Set("Content-Type", ctype)
	if strings.HasPrefix(path, "/v1/1c/") {
		req.Header.Set("X-Amoflow-Token", oneCToken)
	}
	resp, err := t.s.http.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a struct {
		JobID string `json:"job_id"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(raw, &a) != nil || a.JobID == "" {
		return "", false
	}
	return a.JobID, true
}

// person picks who sends a form: a third of the time someone who sent one
// at least repeatAt ago (a repeat), else a new person.
func (t *traffic) person() *person {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rand.IntN(3) == 0 {
		var old []*person
		for _, p := range t.persons {
			if time.Since(p.first) >= t.s.o.repeatAt {
				old = append(old, p)
			}
		}
		if len(old) > 0 {
			return old[rand.IntN(len(old))]
		}
	}
	p := &person{n: formPhones + len(t.persons) + 1, first: time.Now()}
	t.persons = append(t.persons, p)
	return p
}

// seedRet2Corp adds a retail person with a lead in the stage that hands it
// to the corporate account; it returns the lead.
func (t *traffic) seedRet2Corp(n int) int64 {
	f := t.s.fake
	contact := f.AddContact(retail, amofake.Contact{Name: "Ольга Петрова",
		CustomFields: []amofake.FieldValue{amofake.Phone(forms.Phone(hookPhones + n)), amofake.Email(fmt.Sprintf("olga.%s.%d@corp.example", t.tag, n))}})
	return f.AddLead(retail, amofake.Lead{Name: "Обучение сотрудников", PipelineID: 3198184, StatusID: 35942104, Price: 45000,
		CustomFields: []amofake.FieldValue{amofake.Text(639075, "Заявка с формы Записаться mzpo-s.ru"), amofake.Text(639081, "mzpo-s.ru")},
		ContactIDs:   []int64{contact}})
}

// seedOrder adds a retail lead ready for 1C: a product, a contact with its
// passport data, organization МЦПО; it returns the lead.
func (t *traffic) seedOrder(n int) int64 {
	f := t.s.fake
	contact := f.AddContact(retail, amofake.Contact{Name: "Иванова Мария Петровна", ResponsibleUserID: 2576764,
		CustomFields: []amofake.FieldValue{
			amofake.Phone(forms.Phone(orderPhones + n)), amofake.Email(fmt.Sprintf("maria.%s.%d@example.ru", t.tag, n)),
			amofake.Text(644285, "637448400"), amofake.Text(715535, "0412"), amofake.Text(715537, "123456"),
			amofake.Text(650841, "ОВД Арбат"), amofake.Text(718557, "1274302800"), amofake.Text(710419, "770-001"),
		}})
	lead := f.AddLead(retail, amofake.Lead{Name: "Заявка на массаж", Price: 45000, PipelineID: 3198184, StatusID: 32532883, ResponsibleUserID: 2576764,
		CustomFields: []amofake.FieldValue{amofake.Text(645965, "МЦПО"), amofake.Text(639075, "Заявка с формы Записаться"),
			amofake.Text(639085, "yandex_direct")},
		ContactIDs: []int64{contact}})
	f.AddLink(retail, amofake.Link{EntityType: "leads", EntityID: lead, ToEntityType: "catalog_elements", ToEntityID: t.product})
	return lead
}

// snapshot copies the jobs.
func (t *traffic) snapshot() []job {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]job, len(t.jobs))
	for i, j := range t.jobs {
		out[i] = *j
	}
	return out
}

func newGUID() string {
	b := []byte(testrig.RandomHex(16))
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
}
