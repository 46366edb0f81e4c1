package onec

import (
	"encoding/json"
	"strings"
)

// GUID is a 1C object id such as "3f2504e0-4f89-11d3-9a0c-0305e82c3301".
// The empty GUID is sent as JSON null, which asks 1C to create the object.
type GUID string

// ZeroGUID is what 1C answers when it did not create anything.
const ZeroGUID GUID = "00000000-0000-0000-0000-000000000000"

// Valid reports whether g is a well-formed, non-zero GUID.
func (g GUID) Valid() bool {
	s := string(g)
	if len(s) != 36 || g.IsZero() {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// IsZero reports whether g is empty or all zeros.
func (g GUID) IsZero() bool {
	return strings.Trim(string(g), "0-") == ""
}

// Equal compares GUIDs case-insensitively.
func (g GUID) Equal(h GUID) bool { return strings.EqualFold(string(g), string(h)) }

// MarshalJSON writes an empty GUID as null.
func (g GUID) MarshalJSON() ([]byte, error) {
	if g == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(g))
}

// UnmarshalJSON reads null as the empty GUID.
func (g *GUID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*g = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*g = GUID(strings.TrimSpace(s))
	return nil
}
