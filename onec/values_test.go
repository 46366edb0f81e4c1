package onec

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDateTimeFormats(t *testing.T) {
	for in, want := range map[string]string{
		"15.03.1990 0:00:00":   "15.03.1990 0:00:00",
		"15.03.1990 00:00:00":  "15.03.1990 0:00:00",
		"01.09.2024 9:05:07":   "01.09.2024 9:05:07",
		"01.09.2024 19:05:07":  "01.09.2024 19:05:07",
		"15.03.1990":           "15.03.1990 0:00:00",
		"2024-09-01T10:00:00":  "01.09.2024 10:00:00",
		"2024-09-01T07:00:00Z": "01.09.2024 10:00:00", // shown in Moscow time
		"2024-09-01":           "01.09.2024 0:00:00",
	} {
		d, err := ParseDateTime(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDateTime(%q) = %q, %v; want %q", in, d.String(), err, want)
		}
	}
	if _, err := ParseDateTime("31.02.2024"); err == nil {
		t.Error("31.02.2024 parsed")
	}
	// An amoCRM date field holds midnight in the account's zone (Moscow).
	if got := Unix(637448400).String(); got != "15.03.1990 0:00:00" {
		t.Errorf("Unix(637448400) = %q", got)
	}
	b, _ := json.Marshal(struct {
		A DateTime `json:"a"`
		B DateTime `json:"b,omitzero"`
	}{})
	if string(b) != `{"a":null}` {
		t.Errorf("zero dates = %s", b)
	}
}

func TestLooseScalars(t *testing.T) {
	var v struct {
		S1, S2, S3 Text
		N1, N2, N3 Number
	}
	err := json.Unmarshal([]byte(`{"S1":4510,"S2":"0412","S3":null,"N1":"72","N2":6000.5,"N3":""}`), &v)
	if err != nil || v.S1 != "4510" || v.S2 != "0412" || v.S3 != "" || v.N1 != 72 || v.N2 != 6000.5 || v.N3 != 0 {
		t.Fatalf("%+v %v", v, err)
	}
	if Number(44999.5).Int() != 45000 {
		t.Error("rounding")
	}
}

func TestGUID(t *testing.T) {
	for g, valid := range map[GUID]bool{
		"3f2504e0-4f89-11d3-9a0c-0305e82c3301": true,
		"3F2504E0-4F89-11D3-9A0C-0305E82C3301": true,
		ZeroGUID:                               false,
		"":                                     false,
		"3f2504e0-4f89-11d3-9a0c-0305e82c330":  false,
		"3f2504e0x4f89-11d3-9a0c-0305e82c3301": false,
	} {
		if g.Valid() != valid {
			t.Errorf("%q.Valid() = %v", g, !valid)
		}
	}
}

func TestAmoIDs(t *testing.T) {
	var loose []AmoID
	if err := json.Unmarshal([]byte(`[{"account_id":"19453687","entity_id":1805215},{"account_id":28395871,"entity_id":"7"}]`), &loose); err != nil ||
		loose[0] != (AmoID{19453687, 1805215}) || loose[1] != (AmoID{28395871, 7}) {
		t.Errorf("loose amo_ids = %v, %v", loose, err)
	}
	ids := []AmoID{{19453687, 1}, {28395871, 2}}
	if AmoIDIn(ids, 28395871) != 2 || AmoIDIn(ids, 1) != 0 {
		t.Error("AmoIDIn")
	}
	got := WithAmoID(ids, 28395871, 5)
	if len(got) != 2 || got[1].EntityID != 5 || ids[1].EntityID != 2 {
		t.Errorf("WithAmoID replace = %v (input %v)", got, ids)
	}
	if got := WithAmoID(nil, 1, 2); len(got) != 1 {
		t.Errorf("WithAmoID add = %v", got)
	}
}

func TestRedact(t *testing.T) {
	got := redact([]byte(`{"phone":"+79161234567","email":"maria@example.ru","pass":"4510 123456","code":"12"}` + strings.Repeat("x", 400)))
	for _, leak := range []string{"9161234567", "maria@", "123456"} {
		if strings.Contains(got, leak) {
			t.Errorf("redact leaks %q: %s", leak, got)
		}
	}
	if len(got) > maxErrorBody+4 || !strings.Contains(got, `"code":"12"`) {
		t.Errorf("redact = %s", got)
	}
}
