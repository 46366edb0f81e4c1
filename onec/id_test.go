package onec

import (
	"encoding/json"
	"testing"
)

func TestIDParsesWholeNumbersOnly(t *testing.T) {
	for in, want := range map[string]int64{
		`0`: 0, `null`: 0, `""`: 0, `41234567`: 41234567, `"41234567"`: 41234567, `" 72 "`: 72,
		`6100000001`: 6100000001, `6.1e9`: 6100000000, `72.0`: 72, `9223372036854775807`: 9223372036854775807,
	} {
		var id ID
		if err := json.Unmarshal([]byte(in), &id); err != nil || id.Int() != want {
			t.Errorf("%s → %d %v, want %d", in, id, err, want)
		}
	}
	for _, in := range []string{`1e30`, `"1e30"`, `"NaN"`, `"Inf"`, `"-Inf"`, `-5`, `"-5"`, `7.5`, `"abc"`,
		`9223372036854775808`, `1e16`, `true`, `[1]`} {
		var id ID
		if err := json.Unmarshal([]byte(in), &id); err == nil {
			t.Errorf("%s accepted as %d", in, id)
		}
	}
}

func TestAmoIDAndNumberRefuseNonsense(t *testing.T) {
	var a AmoID
	if err := json.Unmarshal([]byte(`{"account_id":1e30,"entity_id":5}`), &a); err == nil {
		t.Errorf("account_id 1e30 accepted: %+v", a)
	}
	if err := json.Unmarshal([]byte(`{"account_id":"28395871","entity_id":"NaN"}`), &a); err == nil {
		t.Errorf("entity_id NaN accepted: %+v", a)
	}
	if err := json.Unmarshal([]byte(`{"account_id":"28395871","entity_id":41234567}`), &a); err != nil || a != (AmoID{28395871, 41234567}) {
		t.Errorf("valid ids: %+v %v", a, err)
	}
	var n Number
	for _, in := range []string{`"NaN"`, `"Inf"`, `"-Infinity"`} {
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("Number %s accepted: %v", in, n)
		}
	}
}
