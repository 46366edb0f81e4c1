package starter

import (
	"net/http"
	"strings"
	"testing"
)

func TestOneCIDsOutOfRangeAreRefused(t *testing.T) {
	e := onecEnv(t, nil)
	for _, ids := range []string{
		`[{"account_id":1e30,"entity_id":5}]`,
		`[{"account_id":28395871,"entity_id":"NaN"}]`,
		`[{"account_id":28395871,"entity_id":-5}]`,
		`[{"account_id":28395871,"entity_id":5.5}]`,
	} {
		body := strings.Replace(clientJSON, `[{"account_id":28395871,"entity_id":5}]`, ids, 1)
		if rec := e.do1C("POST", "/v1/1c/clients", testOneCToken, "application/json", body); rec.Code != http.StatusBadRequest {
			t.Errorf("amo_ids %s = %d, want 400", ids, rec.Code)
		}
	}
	if rec := e.do1C("POST", "/v1/1c/change_resp", testOneCToken, "application/x-www-form-urlencoded", "id=1e30&uid=x&resp=y"); rec.Code != http.StatusBadRequest {
		t.Errorf("change_resp id=1e30 = %d, want 400", rec.Code)
	}
	if n := len(e.pub.published()); n != 0 {
		t.Errorf("%d messages stored for refused requests", n)
	}
	// The same requests with sane ids are taken.
	if rec := e.do1C("POST", "/v1/1c/clients", testOneCToken, "application/json", clientJSON); rec.Code != http.StatusAccepted {
		t.Errorf("valid client = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do1C("POST", "/v1/1c/change_resp", testOneCToken, "application/x-www-form-urlencoded", "id=123&uid=x&resp=y"); rec.Code != http.StatusAccepted {
		t.Errorf("valid change_resp = %d %s", rec.Code, rec.Body)
	}
}
