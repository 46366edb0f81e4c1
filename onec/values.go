package onec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Zone is the time zone of 1C's dates and of amoCRM's date fields: Moscow,
// UTC+3 all year since 2014.
var Zone = time.FixedZone("MSK", 3*60*60)

// DateTime is a 1C date-time, written "dd.MM.yyyy H:mm:ss" in Moscow time
// ("15.03.1990 0:00:00"). The zero value is written as null (and left out
// with omitzero).
type DateTime struct{ time.Time }

// Date is the 1C date-time of t's calendar day in Moscow at midnight.
func Date(t time.Time) DateTime {
	t = t.In(Zone)
	return DateTime{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)}
}

// Unix is the midnight in Moscow of the day of the Unix time sec; amoCRM
// stores date fields that way.
func Unix(sec int64) DateTime { return Date(time.Unix(sec, 0)) }

// String formats d as 1C does; "" for the zero value.
func (d DateTime) String() string {
	if d.IsZero() {
		return ""
	}
	t := d.In(Zone)
	return fmt.Sprintf("%02d.%02d.%04d %d:%02d:%02d", t.Day(), t.Month(), t.Year(), t.Hour(), t.Minute(), t.Second())
}

// MarshalJSON implements json.Marshaler.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON accepts 1C's "dd.MM.yyyy H:mm:ss", a bare "dd.MM.yyyy",
// ISO 8601 with or without a zone, null and "".
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = DateTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("onec: a date must be a string: %s", b)
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = t
	return nil
}

var dateLayouts = []string{
	"02.01.2006 15:04:05", "2.1.2006 15:04:05", "02.01.2006 15:04", "02.01.2006",
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
}

// ParseDateTime reads the date formats 1C and its callers use; times
// without a zone are Moscow time.
func ParseDateTime(s string) (DateTime, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DateTime{}, nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, Zone); err == nil {
			return DateTime{t}, nil
		}
	}
	// "15.03.1990 0:00:00": Go has no unpadded 24-hour layout.
	if day, clock, ok := strings.Cut(s, " "); ok {
		var h, m, sec int
		if n, _ := fmt.Sscanf(clock, "%d:%d:%d", &h, &m, &sec); n == 3 && h < 24 && m < 60 && sec < 60 {
			if t, err := time.ParseInLocation("02.01.2006", day, Zone); err == nil {
				return DateTime{t.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second)}, nil
			}
		}
	}
	return DateTime{}, fmt.Errorf("onec: %q is not a date (want dd.MM.yyyy H:mm:ss)", s)
}

// Text is a string that 1C, or an older caller, may send as a JSON number
// (the PHP integration sent passport series and numbers as integers). It is
// always written as a string, which keeps leading zeros.
type Text string

// UnmarshalJSON accepts a string, a number or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("onec: want a string or a number, got %s", b)
		}
		*t = Text(n.String())
	}
	return nil
}

// Number is a number that may arrive as a JSON string ("72", "6000.50");
// "" and null are 0.
type Number float64

// UnmarshalJSON accepts a number, a numeric string or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
		if s == "" {
			*n = 0
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("onec: %q is not a number", s)
		}
		*n = Number(f)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("onec: want a number, got %s", b)
	}
	*n = Number(f)
	return nil
}

// Int is the number rounded to an integer.
func (n Number) Int() int64 {
	if n < 0 {
		return int64(n - 0.5)
	}
	return int64(n + 0.5)
}

// ID is an integer id (amoCRM entity, account, user) that may arrive as a
// JSON number or a numeric string; "" and null are 0. Anything that is not
// a whole number in [0, 2^63) is refused: a float such as 1e30 or the
// string "NaN" must not become some other id.
type ID int64

// maxExactFloat bounds ids spelled as floats (6.1e9): beyond 2^53 a float64
// no longer holds every integer, so the id it names is uncertain.
const maxExactFloat = 1 << 53

// UnmarshalJSON accepts a whole number, a numeric string or null.
func (i *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if s == "null" {
		*i = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*i = 0
			return nil
		}
	}
	v, err := parseID(s)
	if err != nil {
		return err
	}
	*i = ID(v)
	return nil
}

func parseID(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		if v < 0 {
			return 0, fmt.Errorf("onec: id %s is negative", s)
		}
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f < 0 || f > maxExactFloat {
		return 0, fmt.Errorf("onec: %q is not an id (a whole number from 0 to 2^53 when not written as an integer)", s)
	}
	return int64(f), nil
}

// Int is the id as an int64.
func (i ID) Int() int64 { return int64(i) }
