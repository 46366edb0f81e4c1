package seal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func key(id string, b byte) Key { return Key{ID: id, Key: bytes.Repeat([]byte{b}, 32)} }

func mustRing(t *testing.T, keys ...Key) *Ring {
	t.Helper()
	r, err := NewRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpenRotation(t *testing.T) {
	old, cur := key("old", 1), key("cur", 2)
	sealedOld := mustRing(t, old).Seal([]byte("Мария"), []byte("ctx"))
	if bytes.Contains(sealedOld, []byte("Мария")) {
		t.Fatal("plain text in sealed value")
	}
	r := mustRing(t, cur, old)
	if r.ActiveID() != "cur" || !r.Has("old") || r.Has("gone") {
		t.Fatalf("ring: active %q", r.ActiveID())
	}
	for name, c := range map[string]struct {
		open func() ([]byte, error)
		want error
	}{
		"named key":            {func() ([]byte, error) { return r.Open("old", sealedOld, []byte("ctx")) }, nil},
		"any key":              {func() ([]byte, error) { return r.OpenAny(sealedOld, []byte("ctx")) }, nil},
		"other context":        {func() ([]byte, error) { return r.Open("old", sealedOld, []byte("other")) }, ErrOpen},
		"other context (any)":  {func() ([]byte, error) { return r.OpenAny(sealedOld, []byte("other")) }, ErrOpen},
		"wrong key":            {func() ([]byte, error) { return r.Open("cur", sealedOld, []byte("ctx")) }, ErrOpen},
		"unknown key":          {func() ([]byte, error) { return r.Open("gone", sealedOld, []byte("ctx")) }, ErrUnknownKey},
		"truncated":            {func() ([]byte, error) { return r.Open("old", sealedOld[:5], []byte("ctx")) }, ErrTruncated},
		"truncated (any)":      {func() ([]byte, error) { return r.OpenAny(sealedOld[:5], []byte("ctx")) }, ErrTruncated},
		"new seal, active key": {func() ([]byte, error) { return r.Open("cur", r.Seal([]byte("Мария"), nil), nil) }, nil},
	} {
		plain, err := c.open()
		if !errors.Is(err, c.want) || (c.want == nil && string(plain) != "Мария") {
			t.Errorf("%s: %q %v, want %v", name, plain, err, c.want)
		}
	}
}

func TestNewRingRejects(t *testing.T) {
	for name, keys := range map[string][]Key{
		"no key":    nil,
		"empty id":  {key("", 1)},
		"duplicate": {key("a", 1), key("a", 2)},
		"short key": {{ID: "a", Key: []byte("short")}},
	} {
		if _, err := NewRing(keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseKey(t *testing.T) {
	k, err := ParseKey("k", " AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE= \n")
	if err != nil || k.ID != "k" || !bytes.Equal(k.Key, key("k", 1).Key) {
		t.Fatalf("ParseKey: %v %v", k, err)
	}
	for b64, want := range map[string]string{"!!!": "not base64", "AQID": "got 3 bytes"} {
		if _, err := ParseKey("k", b64); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKey(%q): %v, want %q", b64, err, want)
		}
	}
	if _, err := ParseKey("", "AQID"); err == nil {
		t.Error("empty id accepted")
	}
}
