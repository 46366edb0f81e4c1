package phone

import "testing"

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"8 (916) 123-45-67":   "+79161234567",
		"+7 916 123 45 67":    "+79161234567",
		"79161234567":         "+79161234567",
		"9161234567":          "+79161234567",
		"88005553535":         "+78005553535", // the old editcontact turned this into +7005553535
		"+44 20 7946 0958":    "+442079460958",
		"12345":               "",
		"":                    "",
		"phone: none":         "",
		"8-916-123-45-67 доб": "+79161234567",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameAndSearchKey(t *testing.T) {
	n := Normalize("8 (916) 123-45-67")
	if SearchKey(n) != "9161234567" {
		t.Fatalf("SearchKey = %q", SearchKey(n))
	}
	if !Same("+7 (916) 123-45-67", n) || !Same("89161234567", n) {
		t.Fatal("same number typed differently must match")
	}
	if Same("+7 (916) 123-45-68", n) || Same("7916123456789", n) || Same("", n) || Same("89161234567", "") {
		t.Fatal("a different number must not match")
	}
}
