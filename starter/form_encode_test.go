package starter

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"amoflow/workflows"
)

// The hand-written parser keeps what url.ParseQuery keeps and refuses what
// it refuses.
func TestParseURLEncodedAsParseQuery(t *testing.T) {
	for _, body := range []string{
		"", "&", "&&phone=1&&", "phone", "phone=", "=x", "phone=1&phone=2",
		"phone=%2B7+916&name=%D0%98%D0%B2%D0%B0%D0%BD", "ph%6Fne=5&email=a%40b",
		"phone=%zz", "x=%zz&phone=1", "x%zz=1&phone=1", "phone=1;name=2", "x=a;b&phone=1",
		"phone=%", "phone=%4", "phone=a+b%20c", "comment=a=b=c", "junk=%41%4a%4A",
		"phone=1&amo=corp&method=siteform&unknown=%FF", "name=%00%0D%FF",
	} {
		t.Run(body, func(t *testing.T) { checkParse(t, body) })
	}
}

func FuzzParseURLEncoded(f *testing.F) {
	for _, s := range []string{"phone=1&name=%D0%98", "a=%zz", "x;y=1", "phone=+&email=%40"} {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, body string) {
	keep := func(k string) bool { return wanted(k) }
	got, ok := parseURLEncoded(body, keep)
	vs, err := url.ParseQuery(body)
	if ok != (err == nil) {
		t.Fatalf("%q: valid %v, url.ParseQuery error %v", body, ok, err)
	}
	if !ok {
		return
	}
	want := map[string]string{}
	for k, v := range vs {
		if keep(k) && len(v) > 0 {
			want[k] = v[len(v)-1]
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %v, want %v", body, got, want)
	}
}

// encodeFormInput's JSON decodes to what it was given, as json.Marshal's does.
func TestEncodeFormInputAsMarshal(t *testing.T) {
	in := workflows.FormInput{
		JobID: "form-retail-0123abc", Account: "retail",
		ReceivedAt: time.Date(2026, 12, 2, 8, 0, 0, 123456789, time.UTC),
		Fields: map[string]string{
			"name": "Иван \"Ваня\" \\ Петров", "comment": "line\nnext\ttab <b>&</b>", "phone": "+7 916",
			"page_url": "https://x.ru/?a=1&b=2", "title": "\u2028sep\u2029", "site": "bad \xff utf8", "email": "\x01ctl",
		},
	}
	// A FormInput field added later must be encoded too: every field is set here.
	v := reflect.ValueOf(in)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("set FormInput.%s in this test and encode it in encodeFormInput", v.Type().Field(i).Name)
		}
	}
	got := encodeFormInput(in, nil)
	want, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var a, b workflows.FormInput
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) || !a.ReceivedAt.Equal(in.ReceivedAt) {
		t.Errorf("hand-encoded %s\ndecodes to %+v,\njson.Marshal's to %+v", got, a, b)
	}
	// Same fields, same bytes: the message body does not depend on map order.
	for i := 0; i < 5; i++ {
		if again := encodeFormInput(in, nil); string(again) != string(got) {
			t.Fatalf("encodings differ: %s / %s", got, again)
		}
	}
	if nilFields := encodeFormInput(workflows.FormInput{}, nil); !json.Valid(nilFields) {
		t.Errorf("%s", nilFields)
	}
}

func TestWriteAcceptedBody(t *testing.T) {
	s := &server{cfg: testConfig(), jobKey: []byte("k")}
	w := httptest.NewRecorder()
	s.writeAccepted(w, `form-retail-"odd"`)
	var a accepted
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("%s: %v", w.Body, err)
	}
	if w.Code != 202 || a.JobID != `form-retail-"odd"` || a.StatusURL != s.statusURL(a.JobID) ||
		w.Header().Get("Location") != a.StatusURL || w.Header().Get("Content-Type") != "application/json" ||
		!strings.HasSuffix(w.Body.String(), "}\n") {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	// The pooled HMAC gives the same capability every time.
	first, again := s.jobCap("x"), s.jobCap("x")
	if first != again || first == s.jobCap("y") {
		t.Error("capabilities differ for one id or match for two")
	}
}

// appendJSONString's output is valid JSON that decodes to what encoding/json's
// does for the same string, with U+2028/U+2029 never raw, for valid and
// invalid UTF-8 alike.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "Иван \"Ваня\" \\ Петров", "a\u2028b\u2029c", "\xe2\x80", "\xe2\x80\xa8\xff",
		"bad \xff utf8", "\x01\x08\x0c\x1f\x7f", "€\xe2\x82", "x\xe2\x80\xa9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%q -> %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%q decodes to %q, encoding/json's to %q", s, a, b)
		}
		if strings.ContainsRune(string(got), '\u2028') || strings.ContainsRune(string(got), '\u2029') {
			t.Errorf("%q -> %s: a raw line separator", s, got)
		}
	})
}

// BenchmarkEncodeFormInput encodes the ingest bench's form (Cyrillic name and
// comment, as site forms send).
func BenchmarkEncodeFormInput(b *testing.B) {
	raw, ok := parseURLEncoded(benchForm, wanted)
	if !ok {
		b.Fatal("bench form does not parse")
	}
	fields, p := cleanFields(raw)
	if p != nil {
		b.Fatal(p)
	}
	in := workflows.FormInput{JobID: "form-retail-0123456789abcdef", Account: "retail", ReceivedAt: time.Now(), Fields: fields}
	b.ReportAllocs()
	for b.Loop() {
		encodeFormInput(in, nil)
	}
}
