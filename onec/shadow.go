package onec

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"amoflow/shadow"
)

// shadowGUIDPrefix starts every GUID shadow mode makes up.
const shadowGUIDPrefix = "00000000-5ad0-4000-8000-"

// ShadowGUID is the GUID shadow mode hands out for its n-th planned create.
func ShadowGUID(n int64) GUID { return GUID(fmt.Sprintf("%s%012x", shadowGUIDPrefix, n)) }

// IsShadow reports whether g was made up by shadow mode.
func (g GUID) IsShadow() bool { return strings.HasPrefix(string(g), shadowGUIDPrefix) }

// Shadow puts the client in shadow mode (README "Shadow mode"): reads go to
// 1C; a write made from an activity whose flow shadows(flow) accepts is
// recorded through p under the account "1c" and answered as 1C would, with
// a made-up GUID (ShadowGUID) for what an Edit* call creates. A write
// outside an activity is refused (403) when shadows("").
func (c *Client) Shadow(p shadow.Planner, shadows func(flow string) bool) *Client {
	next := c.hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	root := ""
	if u, err := url.Parse(c.base); err == nil {
		root = u.Path
	}
	hc := *c.hc
	hc.Transport = &shadow.Transport{
		Next: next, Planner: p, Shadows: shadows, Account: shadow.OneCAccount, Root: root,
		Answer: shadowAnswer,
		Refusal: func(reason string) (int, []byte) {
			b, _ := json.Marshal(map[string]string{"error": reason})
			return http.StatusForbidden, b // a 4xx: refused, not retried
		},
	}
	c.hc = &hc
	return c
}

// shadowAnswer answers an Edit* call with the GUID it names (an update) or
// a made-up one, under every key an Edit* answer may use; lk_editdata with
// an acknowledgement.
func shadowAnswer(_, method string, body []byte) (shadow.Answer, error) {
	if !strings.HasPrefix(method, "Edit") {
		return shadow.Answer{Build: func([]int64) (int, []byte) { return http.StatusOK, []byte(`{"result":"planned"}`) }}, nil
	}
	return shadow.Answer{NewIDs: 1, Build: func(nums []int64) (int, []byte) {
		guid := ShadowGUID(nums[0])
		var in map[string]json.RawMessage
		if json.Unmarshal(body, &in) == nil {
			for _, k := range []string{"client_id_1C", "company_id_1C", "lead_id_1C", "product_id_1C"} {
				var given GUID
				if json.Unmarshal(in[k], &given) == nil && given.Valid() {
					guid = given
				}
			}
		}
		out, _ := json.Marshal(map[string]GUID{
			"client_id_1C": guid, "company_id_1C": guid, "lead_id_1C": guid, "product_id_1C": guid,
		})
		return http.StatusOK, out
	}}, nil
}
