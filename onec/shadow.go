package onec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"amoflow/shadow"
)

// ShadowPlanner records a planned write and returns numbers for the ids of
// what it creates (shadow.Recorder).
type ShadowPlanner interface {
	Plan(ctx context.Context, account, method, path string, body []byte, newIDs int) ([]int64, error)
}

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
// outside an activity is refused when shadows("").
func (c *Client) Shadow(p ShadowPlanner, shadows func(flow string) bool) *Client {
	next := c.hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	root := ""
	if u, err := url.Parse(c.base); err == nil {
		root = u.Path
	}
	hc := *c.hc
	hc.Transport = &shadowTransport{next: next, planner: p, shadows: shadows, root: root}
	c.hc = &hc
	return c
}

type shadowTransport struct {
	next    http.RoundTripper
	planner ShadowPlanner
	shadows func(flow string) bool
	root    string // the base URL's path, ends with "/"
}

func (t *shadowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	o, inActivity := shadow.OriginOf(ctx)
	if !t.shadows(o.WorkflowType) {
		return t.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if !inActivity {
		// A 4xx: refused, not retried.
		return answer(req, http.StatusForbidden, []byte(`{"error":"`+shadow.ErrNoActivity.Error()+`"}`)), nil
	}
	method := strings.TrimPrefix(req.URL.Path, t.root)
	path := method
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	creates := 0
	if strings.HasPrefix(method, "Edit") {
		creates = 1 // the GUID answered whether it creates or updates
	}
	nums, err := t.planner.Plan(ctx, shadow.OneCAccount, req.Method, path, body, creates)
	if err != nil {
		return nil, fmt.Errorf("shadow mode: recording the 1C write: %w", err)
	}
	if creates == 0 {
		return answer(req, http.StatusOK, []byte(`{"result":"planned"}`)), nil
	}
	// Every Edit* answer names its GUID under one of these keys; an update
	// answers the GUID it was given.
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
	return answer(req, http.StatusOK, out), nil
}

func answer(req *http.Request, status int, body []byte) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}, "X-Amoflow-Shadow": {"planned"}}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}
