package codec

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

const personal = "+79161234567 maria@example.ru 4510 123456"

func mustNew(t *testing.T, keys ...Key) *Codec {
	t.Helper()
	c, err := New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripHidesData(t *testing.T) {
	c := mustNew(t, NewKey("k1"))
	dc := DataConverter(c)
	p, err := dc.ToPayload(map[string]string{"phone": personal})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte("79161234567")) || string(p.Metadata["encoding"]) != Encoding || string(p.Metadata[MetaKeyID]) != "k1" {
		t.Fatalf("payload not encrypted: %v", p)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil || back["phone"] != personal {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestRotation(t *testing.T) {
	old, cur := NewKey("2026-01"), NewKey("2026-12")
	before := DataConverter(mustNew(t, old))
	p, _ := before.ToPayload("Мария")

	after := DataConverter(mustNew(t, cur, old))
	var s string
	if err := after.FromPayload(p, &s); err != nil || s != "Мария" {
		t.Fatalf("old payload after rotation: %q %v", s, err)
	}
	np, _ := after.ToPayload("Мария")
	if got := string(np.Metadata[MetaKeyID]); got != "2026-12" {
		t.Fatalf("new payload key %q, want the newest", got)
	}
	// A key removed from the ring no longer decrypts.
	if err := DataConverter(mustNew(t, cur)).FromPayload(p, &s); err == nil || !strings.Contains(err.Error(), "2026-01") {
		t.Fatalf("payload of a removed key: %v", err)
	}
}

func TestPlainPayloadsPassThrough(t *testing.T) {
	plain, _ := converter.GetDefaultDataConverter().ToPayload("recorded before the codec")
	var s string
	if err := DataConverter(mustNew(t, NewKey("k"))).FromPayload(plain, &s); err != nil || s != "recorded before the codec" {
		t.Fatalf("plain payload: %q %v", s, err)
	}
}

func TestTamperedPayloadFails(t *testing.T) {
	c := mustNew(t, NewKey("k"))
	enc, _ := c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	enc[0].Data[len(enc[0].Data)-1] ^= 1
	if _, err := c.Decode(enc); err == nil {
		t.Fatal("tampered payload decoded")
	}
	enc, _ = c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	enc[0].Metadata[MetaKeyID] = []byte("other")
	if _, err := mustNew(t, Key{ID: "other", Key: make([]byte, 32)}, NewKey("k")).Decode(enc); err == nil {
		t.Fatal("payload decoded under another key id")
	}
}

func TestNewValidates(t *testing.T) {
	k := NewKey("a")
	for name, keys := range map[string][]Key{
		"none":  nil,
		"short": {{ID: "a", Key: make([]byte, 16)}},
		"no id": {{Key: make([]byte, 32)}},
		"dup":   {k, k},
	} {
		if _, err := New(keys...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseKey("a", "c2hvcnQ="); err == nil {
		t.Error("ParseKey accepted 5 bytes")
	}
}

func TestHandler(t *testing.T) {
	c := mustNew(t, NewKey("k"))
	enc, _ := DataConverter(c).ToPayload("Мария")
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{enc}})
	h := Handler(c, HandlerOptions{Token: "codec-token", Origins: []string{"https://ui.example.test"}})

	do := func(method, path, origin string, hdr map[string]string, b []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, bytes.NewReader(b))
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	auth := map[string]string{"Authorization": "Bearer codec-token", "Content-Type": "application/json"}

	w := do("POST", "/decode", "https://ui.example.test", auth, body)
	var out commonpb.Payloads
	if w.Code != 200 || protojson.Unmarshal(w.Body.Bytes(), &out) != nil || len(out.Payloads) != 1 || string(out.Payloads[0].Data) != `"Мария"` {
		t.Fatalf("decode: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Access-Control-Allow-Origin") != "https://ui.example.test" {
		t.Fatalf("no CORS header for the UI: %v", w.Header())
	}
	if w := do("POST", "/decode", "", map[string]string{"Authorization": "Bearer wrong"}, body); w.Code != 401 {
		t.Fatalf("wrong token: %d", w.Code)
	}
	if w := do("POST", "/decode", "", nil, body); w.Code != 401 {
		t.Fatalf("no token: %d", w.Code)
	}
	if w := do("POST", "/decode", "https://evil.example", auth, body); w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin: %d %v", w.Code, w.Header())
	}
	if w := do("OPTIONS", "/decode", "https://ui.example.test", nil, nil); w.Code != 204 || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", w.Code, w.Header())
	}

	// A browser logs in once; the cookie then authenticates.
	form := url.Values{"token": {"codec-token"}}.Encode()
	w = do("POST", "/login", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form))
	cookies := w.Result().Cookies()
	if w.Code != 200 || len(cookies) != 1 || !cookies[0].HttpOnly {
		t.Fatalf("login: %d %v", w.Code, cookies)
	}
	r := httptest.NewRequest("POST", "/decode", bytes.NewReader(body))
	r.AddCookie(cookies[0])
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("decode with cookie: %d", w.Code)
	}
	if w := do("GET", "/login", "", nil, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `name="token"`) {
		t.Fatalf("login page: %d", w.Code)
	}
	bad := url.Values{"token": {"nope"}}.Encode()
	if w := do("POST", "/login", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(bad)); w.Code != 401 {
		t.Fatalf("login with a wrong token: %d", w.Code)
	}
}

// A payload encrypted before the AES-GCM code moved to package seal must
// still decode: data is nonce || ciphertext, the key id is the additional data.
func TestPayloadEncryptedEarlierStillDecodes(t *testing.T) {
	data, _ := base64.StdEncoding.DecodeString("jouQx1dalcaj2qq51Bo+QCnwDcjc2BAZ+y4XDVuZCw8urEsWemcT4uDLCbZNfclXPCHQmlk/WAm7Nd+17Hcesi2E")
	p := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte(Encoding), MetaKeyID: []byte("2026-01")}, Data: data}
	c := mustNew(t, NewKey("2026-12"), Key{ID: "2026-01", Key: bytes.Repeat([]byte{1}, 32)})
	out, err := c.Decode([]*commonpb.Payload{p})
	if err != nil || string(out[0].Data) != `"Мария"` || string(out[0].Metadata["encoding"]) != "json/plain" {
		t.Fatalf("earlier payload: %v %v", out, err)
	}
}
