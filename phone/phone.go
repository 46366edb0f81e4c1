// Package phone normalizes phone numbers the one way amoflow stores and
// compares them (docs/flows.md#phone-normalization): digits only, Russian numbers as +7
// followed by ten digits.
package phone

// Normalize returns the E.164-like form of s, or "" when s holds no usable
// number (fewer than ten digits). "8 (916) 123-45-67" → "+79161234567",
// "9161234567" → "+79161234567", "+44 20 7946 0958" → "+442079460958".
func Normalize(s string) string {
	var buf [24]byte // every form's id hashes its phone: no allocation but the result
	d := appendDigits(buf[:0], s)
	switch {
	case len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		return "+7" + string(d[1:])
	case len(d) == 10 && d[0] == '9':
		return "+7" + string(d)
	case len(d) >= 10 && len(d) <= 15:
		return "+" + string(d)
	}
	return ""
}

// Digits keeps only the ASCII digits of s.
func Digits(s string) string {
	return string(appendDigits(make([]byte, 0, len(s)), s))
}

// appendDigits appends the ASCII digits of s to b.
func appendDigits(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return b
}

// SearchKey is what to send to amoCRM's fuzzy search for a normalized number:
// its last ten digits, which match however the number was typed into the CRM.
func SearchKey(normalized string) string {
	d := Digits(normalized)
	if len(d) > 10 {
		d = d[len(d)-10:]
	}
	return d
}

// Same reports whether a stored phone value (typed any way) is the number n
// (a result of Normalize). amoCRM's search is fuzzy, so every hit is verified.
func Same(stored, n string) bool {
	if n == "" {
		return false
	}
	if sn := Normalize(stored); sn != "" {
		return sn == n
	}
	return false
}
