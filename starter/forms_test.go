package starter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"amoflow/mq"
	"amoflow/workflows"
)

// A form with every kind of value the cleaning touches.
const fullForm = "method=siteform&name=+Иван+&phone=8+(916)+123-45-67&email=Ivan@Mail.RU" +
	"&comment=Перезвоните&form_name_site=Заявка+mzpo-s.ru&site=www.wwwebinar.ru" +
	"&page_url=https://mzpo-s.ru/x?utm=1&roistat_visit=undefined&city_name=&unknown_key=1&pipeline=3198184"

var fullFields = map[string]string{
	"name": "Иван", "phone": "8 (916) 123-45-67", "email": "ivan@mail.ru", "comment": "Перезвоните",
	"form_name_site": "Заявка mzpo-s.ru", "site": "wwwebinar.ru", "page_url": "https://mzpo-s.ru/x?utm=1",
	"pipeline": "3198184",
}

func TestFormAccepted(t *testing.T) {
	e := newEnv(t, testConfig())
	w := e.postForm(fullForm)
	if w.Code != http.StatusAccepted {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var a accepted
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.JobID, "form-retail-") || !strings.HasPrefix(a.StatusURL, "https://in.example.test/v1/jobs/"+a.JobID+"/") ||
		w.Header().Get("Location") != a.StatusURL || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("answer %+v, headers %v", a, w.Header())
	}
	m, in := e.lastInput(t)
	if m.ID != a.JobID || m.Kind != mq.KindForm || m.Account != "retail" || !m.ReceivedAt.Equal(e.now) {
		t.Errorf("message %+v", m)
	}
	if in.JobID != a.JobID || in.Account != "retail" || !in.ReceivedAt.Equal(e.now) {
		t.Errorf("input %+v", in)
	}
	if !reflect.DeepEqual(in.Fields, fullFields) {
		t.Errorf("fields\n got %v\nwant %v", in.Fields, fullFields)
	}
}

// The same form in every accepted encoding is the same job.
func TestFormEncodings(t *testing.T) {
	e := newEnv(t, testConfig())
	values, _ := url.ParseQuery(fullForm)

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for k, vs := range values {
		if err := mw.WriteField(k, vs[0]); err != nil {
			t.Fatal(err)
		}
	}
	fw, _ := mw.CreateFormFile("attachment", "cv.pdf") // files are skipped
	_, _ = fw.Write([]byte("%PDF"))
	_ = mw.Close()

	obj := map[string]any{}
	for k, vs := range values {
		obj[k] = vs[0]
	}
	obj["pipeline"] = 3198184 // a number
	obj["course"] = nil
	obj["nested_unknown"] = map[string]any{"a": 1} // ignored: not a form field
	js, _ := json.Marshal(obj)

	ids := map[string]bool{}
	for _, c := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", fullForm},
		{"application/x-www-form-urlencoded; charset=UTF-8", fullForm},
		{mw.FormDataContentType(), mp.String()},
		{"application/json; charset=utf-8", string(js)},
		{"Application/JSON", string(js)},
	} {
		w := e.do(http.MethodPost, "/v1/forms", c.ct, c.body)
		if w.Code != http.StatusAccepted {
			t.Errorf("%s: %d %s", c.ct, w.Code, w.Body)
			continue
		}
		m, in := e.lastInput(t)
		if !reflect.DeepEqual(in.Fields, fullFields) {
			t.Errorf("%s: fields %v", c.ct, in.Fields)
		}
		ids[m.ID] = true
	}
	if len(ids) != 1 {
		t.Errorf("one form, %d job ids: %v", len(ids), ids)
	}
}

func TestJSONValues(t *testing.T) {
	e := newEnv(t, testConfig())
	w := e.do(http.MethodPost, "/v1/forms", "application/json",
		`{"phone":"89161234567","price":1500.50,"webinar":true,"events":false,"status":null,"amo":"corp"}`)
	if w.Code != http.StatusAccepted {
		t.Fatal(w.Code, w.Body)
	}
	m, in := e.lastInput(t)
	want := map[string]string{"phone": "89161234567", "price": "1500.50", "webinar": "true", "events": "false"}
	if !reflect.DeepEqual(in.Fields, want) || m.Account != "corp" {
		t.Errorf("account %s, fields %v", m.Account, in.Fields)
	}
}

func TestFormRejected(t *testing.T) {
	cases := []struct {
		name, ct, body string
		status         int
		field          string
	}{
		{"no contact", "application/x-www-form-urlencoded", "name=Ivan", 400, "phone"},
		{"short phone", "application/x-www-form-urlencoded", "phone=12345", 400, "phone"},
		{"bad email only", "application/x-www-form-urlencoded", "email=ivan-at-mail.ru", 400, "email"},
		{"undefined phone", "application/x-www-form-urlencoded", "phone=undefined", 400, "phone"},
		{"bad urlencoding", "application/x-www-form-urlencoded", "phone=%zz", 400, ""},
		{"broken json", "application/json", `{"phone":"89161234567"`, 400, ""},
		{"json array", "application/json", `[{"phone":"89161234567"}]`, 400, ""},
		{"json null", "application/json", `null`, 400, ""},
		{"two json values", "application/json", `{"phone":"89161234567"} {}`, 400, ""},
		{"nested field", "application/json", `{"phone":{"a":"89161234567"}}`, 400, "phone"},
		{"multipart without boundary", "multipart/form-data", "phone=89161234567", 400, ""},
		{"text/plain", "text/plain", `{"phone":"89161234567"}`, 415, ""},
		{"no content type", "", "phone=89161234567", 415, ""},
		{"bad content type", "application/", "phone=89161234567", 415, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, testConfig())
			w := e.do(http.MethodPost, "/v1/forms", c.ct, c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if p := decodeProblem(t, w); p.Field != c.field {
				t.Errorf("field %q, want %q (%+v)", p.Field, c.field, p)
			}
			if n := len(e.pub.published()); n != 0 {
				t.Errorf("%d messages published", n)
			}
		})
	}
}

// A form that names a reachable person is stored whatever its other values:
// each accepted field at 10 000 characters, with NUL and other control
// characters, with invalid UTF-8, in every body encoding. The stored value
// is repaired, never cut here (the lead flow cuts for amoCRM and keeps the
// whole text in the note).
func TestEveryFieldAnyValueAccepted(t *testing.T) {
	long := strings.Repeat("я", 9999) + "z" // 10 000 characters, 20 000 bytes
	variants := []struct {
		name, sent, stored string
		storedJSON         string // encoding/json repairs each bad byte alone
	}{
		{"10000 chars", long, long, long},
		{"NUL and controls", "a\x00b\x01c\r\n\td\x7f\u0085e", "abc\n\tde", "abc\n\tde"},
		{"invalid UTF-8", "Иван\xff\xfeов\xd0", "Иван\uFFFDов\uFFFD", "Иван\uFFFD\uFFFDов\uFFFD"},
	}
	for field := range formFields {
		for _, v := range variants {
			form := url.Values{"phone": {"89161234567"}, "email": {"ivan@mail.ru"}}
			switch field {
			case "phone":
				form.Del("phone") // the email identifies the person
			case "email":
				form.Del("email")
			}
			form.Set(field, v.sent)
			// By hand: json.Marshal would repair the bytes before we send them.
			js := `{"` + field + `":"` + jsonText(v.sent) + `"`
			for _, k := range []string{"phone", "email"} {
				if k != field && form.Get(k) != "" {
					js += `,"` + k + `":"` + form.Get(k) + `"`
				}
			}
			js += "}"
			for _, c := range []struct{ ct, body, want string }{
				{typeURLEncoded, form.Encode(), v.stored},
				{typeJSON, js, v.storedJSON},
			} {
				e := newEnv(t, testConfig())
				w := e.do(http.MethodPost, "/v1/forms", c.ct, c.body)
				if w.Code != http.StatusAccepted {
					t.Errorf("%s %s (%s): %d %s", field, v.name, c.ct, w.Code, w.Body)
					continue
				}
				_, in := e.lastInput(t)
				want := c.want // not an email: kept as typed
				if got := in.Fields[field]; got != want {
					t.Errorf("%s %s (%s): stored %q…, want %q…", field, v.name, c.ct, trunc(got), trunc(want))
				}
			}
		}
	}
}

// jsonText escapes control characters for a JSON string and leaves every
// other byte (invalid UTF-8 too) as it is.
func jsonText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			fmt.Fprintf(&b, `\u%04x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// Invalid UTF-8 in JSON: encoding/json repairs it the same way.
func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"plain":                  "plain",
		"tab\tand\nnewline":      "tab\tand\nnewline",
		"cr\r\nlf":               "cr\nlf",
		"nul\x00here":            "nulhere",
		"esc\x1b[31mred":         "esc[31mred",
		"bad\xffbyte":            "bad\uFFFDbyte",
		"cut\xd0":                "cut\uFFFD",
		"c1\u0085\u009fcontrols": "c1controls",
		"emoji 🙂 kept":           "emoji 🙂 kept",
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBadEmailWithPhoneIsKeptForTheNote(t *testing.T) {
	e := newEnv(t, testConfig())
	if w := e.postForm("phone=89161234567&email=Not-An-Email"); w.Code != http.StatusAccepted {
		t.Fatal(w.Code, w.Body)
	}
	// Kept as typed: the flow does not use it for the contact (FormEmail is
	// ""), the lead's note shows it.
	if _, in := e.lastInput(t); in.Fields["email"] != "Not-An-Email" || in.Fields["phone"] != "89161234567" {
		t.Errorf("fields %v", in.Fields)
	}
	if w := e.postForm("email=+A.B@Example.COM+"); w.Code != http.StatusAccepted {
		t.Fatal(w.Code, w.Body)
	}
	if _, in := e.lastInput(t); in.Fields["email"] != "a.b@example.com" {
		t.Errorf("fields %v", in.Fields)
	}
}

func TestSiteKeepsLeadingW(t *testing.T) {
	for in, want := range map[string]string{
		"www.mzpo-s.ru":  "mzpo-s.ru",
		"WWW.mzpo-s.ru":  "mzpo-s.ru",
		"webinar.ru":     "webinar.ru", // ltrim("webinar.ru", "w.") gave "ebinar.ru"
		"www.www.ru":     "www.ru",
		"wwwmzpo-s.ru":   "wwwmzpo-s.ru",
		"mzpo-s.ru/www.": "mzpo-s.ru/www.",
	} {
		e := newEnv(t, testConfig())
		if w := e.postForm("phone=89161234567&site=" + url.QueryEscape(in)); w.Code != http.StatusAccepted {
			t.Fatal(w.Code, w.Body)
		}
		if _, got := e.lastInput(t); got.Fields["site"] != want {
			t.Errorf("site %q → %q, want %q", in, got.Fields["site"], want)
		}
	}
}

func TestFormAccount(t *testing.T) {
	e := newEnv(t, testConfig())
	for amo, want := range map[string]string{"corp": "corp", "CORP": "corp", "retail": "retail", "": "retail", "zzz": "retail"} {
		if w := e.postForm("phone=89161234567&amo=" + amo); w.Code != http.StatusAccepted {
			t.Fatal(amo, w.Code, w.Body)
		}
		m, in := e.lastInput(t)
		if m.Account != want || in.Account != want || !strings.HasPrefix(m.ID, "form-"+want+"-") {
			t.Errorf("amo=%q → %s %s", amo, m.Account, m.ID)
		}
		if _, ok := in.Fields["amo"]; ok {
			t.Error("amo stored as a field")
		}
	}

	cfg := testConfig()
	delete(cfg.Accounts, "corp")
	e = newEnv(t, cfg)
	w := e.postForm("phone=89161234567&amo=corp")
	if p := decodeProblem(t, w); w.Code != http.StatusBadRequest || p.Field != "amo" {
		t.Errorf("unconfigured account: %d %+v", w.Code, p)
	}
}

func TestBodyLimit(t *testing.T) {
	cfg := testConfig()
	cfg.HTTP.BodyLimit = 2048
	e := newEnv(t, cfg)
	big := "phone=89161234567&comment=" + strings.Repeat("x", 3000)
	w := e.postForm(big)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared length: %d", w.Code)
	}
	decodeProblem(t, w)

	// A body without a declared length is cut while it is read.
	for _, ct := range []string{"application/x-www-form-urlencoded", "application/json"} {
		r := httptest.NewRequest(http.MethodPost, "/v1/forms", strings.NewReader(big))
		r.ContentLength = -1
		r.Header.Set("Content-Type", ct)
		w = httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s stream: %d %s", ct, w.Code, w.Body)
		}
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	if err := mw.WriteField("phone", "89161234567"); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("comment", strings.Repeat("x", 3000)); err != nil {
		t.Fatal(err)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/v1/forms", &mp)
	r.ContentLength = -1
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w = httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("multipart stream: %d %s", w.Code, w.Body)
	}
	if n := len(e.pub.published()); n != 0 {
		t.Errorf("%d messages published", n)
	}
}

func TestPublishFailureIs503(t *testing.T) {
	for _, path := range []string{"/v1/forms", "/amo/index.php"} {
		e := newEnv(t, testConfig())
		e.pub.err = errors.New("mq: no confirmation")
		w := e.do(http.MethodPost, path, "application/x-www-form-urlencoded", "method=siteform&phone=89161234567")
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %v", path, w.Code, w.Header())
		}
		decodeProblem(t, w)
	}
}

func TestLegacyEndpoint(t *testing.T) {
	e := newEnv(t, testConfig())
	post := func(body string) *httptest.ResponseRecorder {
		return e.do(http.MethodPost, "/amo/index.php", "application/x-www-form-urlencoded; charset=UTF-8", body)
	}
	for _, body := range []string{"phone=89161234567", "method=other&phone=89161234567"} {
		if w := post(body); w.Code != http.StatusNotFound || w.Body.String() != "no post" {
			t.Errorf("%q: %d %q", body, w.Code, w.Body)
		}
	}
	if n := len(e.pub.published()); n != 0 {
		t.Fatalf("%d published without method=siteform", n)
	}
	w := post(fullForm + "&amo=corp")
	if w.Code != http.StatusOK || w.Body.String() != "Ok" {
		t.Fatalf("siteform: %d %q", w.Code, w.Body)
	}
	m, in := e.lastInput(t)
	if m.Account != "corp" || !reflect.DeepEqual(in.Fields, fullFields) {
		t.Errorf("account %s fields %v", m.Account, in.Fields)
	}
	if w := post("method=siteform&name=x"); w.Code != http.StatusBadRequest {
		t.Errorf("invalid legacy form: %d", w.Code)
	}
}

func TestJobIDDeterministic(t *testing.T) {
	e := newEnv(t, testConfig())
	id := func(body string, header ...string) string {
		t.Helper()
		w := e.postForm(body, header...)
		if w.Code != http.StatusAccepted {
			t.Fatal(w.Code, w.Body)
		}
		var a accepted
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		return a.JobID
	}
	const form = "phone=89161234567&name=Ivan&form_name_site=F"
	first := id(form)
	e.now = e.now.Add(time.Minute) // same 10-minute window
	if again := id("name=Ivan&form_name_site=F&phone=89161234567"); again != first {
		t.Errorf("double submit: %s then %s", first, again)
	}
	if other := id(form + "&comment=hi"); other == first {
		t.Error("a different form got the same id")
	}
	if corp := id(form + "&amo=corp"); corp == first || !strings.HasPrefix(corp, "form-corp-") {
		t.Errorf("other account: %s", corp)
	}
	e.now = e.now.Add(10 * time.Minute) // next window
	if later := id(form); later == first {
		t.Error("a later window got the same id")
	}

	if k := id(form, "Idempotency-Key", "abc-123_X.y~"); k != "form-retail-abc-123_X.y~" {
		t.Errorf("idempotency key: %s", k)
	}
	if k := id(form+"&comment=changed", "Idempotency-Key", " abc-123_X.y~ "); k != "form-retail-abc-123_X.y~" {
		t.Errorf("idempotency key wins over the content: %s", k)
	}
	unsafe := id(form, "Idempotency-Key", "a/b?c")
	long := id(form, "Idempotency-Key", strings.Repeat("k", 65))
	for _, k := range []string{unsafe, long} {
		if !strings.HasPrefix(k, "form-retail-") || len(k) != len("form-retail-")+32 || strings.Trim(k[len("form-retail-"):], "0123456789abcdef") != "" {
			t.Errorf("sanitized key id %q", k)
		}
	}
	if unsafe == long || unsafe == id(form, "Idempotency-Key", "a/b?d") {
		t.Error("distinct keys collapsed")
	}
}

func TestFormJobIDWindowEdge(t *testing.T) {
	fields := map[string]string{"phone": "89161234567"}
	w := 10 * time.Minute
	base := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	a := workflows.FormJobID("retail", "", fields, base.Add(9*time.Minute+59*time.Second), w)
	b := workflows.FormJobID("retail", "", fields, base.Add(10*time.Minute), w)
	c := workflows.FormJobID("retail", "", fields, base, w)
	if a == b {
		t.Error("the window edge does not split jobs")
	}
	if a != c {
		t.Error("one window, two jobs")
	}
}
