package amocrm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"amoflow/seal"
	"amoflow/shadow"
)

// ShadowIDBase offsets every id shadow mode makes up for an entity it
// "created": far above amoCRM's ids (tens of millions), below 2^53 so every
// JSON reader keeps it exact. A lead id at or above it is a planned one.
const ShadowIDBase int64 = 9_000_000_000_000

// IsShadowID reports whether id was made up by shadow mode.
func IsShadowID(id int64) bool { return id >= ShadowIDBase }

// ShadowPlanner records a planned write and returns numbers for the ids of
// what it creates (shadow.Recorder).
type ShadowPlanner = shadow.Planner

// WithShadow puts the client in shadow mode (README "Shadow mode"): reads go
// to the account as usual; a write (POST, PATCH, PUT, DELETE) made from a
// workflow activity whose flow shadows(flow) accepts is recorded through p
// and answered with a well-formed made-up answer (created entities get ids
// from ShadowIDBase up), so the flow carries on. A write made outside an
// activity is refused (400) when shadows("") (the whole account is in
// shadow mode) and sent otherwise. Give it after WithHTTPClient.
func WithShadow(p ShadowPlanner, shadows func(flow string) bool) Option {
	return func(c *Client) {
		hc := c.hc
		if hc == nil {
			hc = newHTTPClient()
		}
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		wrapped := *hc
		wrapped.Transport = &shadow.Transport{
			Next: next, Planner: p, Shadows: shadows, Account: c.acct.Name, Root: c.root,
			Answer: shadowAnswer, Refusal: refusal,
		}
		c.hc = &wrapped
	}
}

// Ring is the key ring of the token key: shadow mode seals the bodies of
// planned writes with it too.
func (k *TokenKey) Ring() *seal.Ring {
	if k == nil {
		return nil
	}
	return k.ring
}

// refusal is amoCRM's 400 problem: the client takes it as permanent.
func refusal(detail string) (int, []byte) {
	b, _ := json.Marshal(map[string]any{"title": "Bad Request", "status": 400, "detail": detail})
	return http.StatusBadRequest, b
}

// shadowAnswer is planAnswer with the numbers turned into made-up ids.
func shadowAnswer(method, path string, body []byte) (shadow.Answer, error) {
	plan, err := planAnswer(method, path, body)
	if err != nil {
		return shadow.Answer{}, err
	}
	return shadow.Answer{NewIDs: plan.newIDs, Build: func(nums []int64) (int, []byte) {
		ids := make([]int64, len(nums))
		for i, n := range nums {
			ids[i] = ShadowIDBase + n
		}
		return plan.answer(ids)
	}}, nil
}

// shadowPlan is the made-up answer of one write: it needs newIDs fresh ids
// and answer builds the status and body from them.
type shadowPlan struct {
	newIDs int
	answer func(ids []int64) (int, []byte)
}

// planAnswer builds the answer amoCRM would give to a write, in the shapes
// this package reads: POST /leads/complex answers a top-level array of
// {id, contact_id, company_id, request_id}; a batch (a JSON array) answers
// {"_embedded": {collection: items}} with each item echoed and given an id
// (created ones a fresh one); a single object is echoed with its id; the
// v2 catalog delete answers no errors; DELETE answers 204.
func planAnswer(method, path string, body []byte) (shadowPlan, error) {
	if method == http.MethodDelete {
		return shadowPlan{answer: func([]int64) (int, []byte) { return http.StatusNoContent, nil }}, nil
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case path == "/api/v2/catalog_elements":
		return fixed(http.StatusOK, `{"_embedded":{"items":[]}}`), nil
	case len(trimmed) == 0:
		return fixed(http.StatusOK, `{}`), nil
	case path == "/api/v4/leads/complex":
		return complexAnswer(trimmed)
	case trimmed[0] == '[':
		return batchAnswer(method, path, trimmed)
	case trimmed[0] == '{':
		return objectAnswer(method, trimmed)
	}
	return shadowPlan{}, fmt.Errorf("%s %s: the body is neither a JSON array nor an object", method, path)
}

func fixed(status int, body string) shadowPlan {
	return shadowPlan{answer: func([]int64) (int, []byte) { return status, []byte(body) }}
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// idOf reads an item's id; 0 when absent.
func idOf(m map[string]any, key string) int64 {
	switch v := m[key].(type) {
	case json.Number:
		n, _ := v.Int64()
		return n
	case float64:
		return int64(v)
	}
	return 0
}

// complexAnswer answers POST /leads/complex: each lead, and each contact and
// company it embeds without an id, is created.
func complexAnswer(body []byte) (shadowPlan, error) {
	var leads []map[string]any
	if err := decodeJSON(body, &leads); err != nil {
		return shadowPlan{}, fmt.Errorf("POST /api/v4/leads/complex: %w", err)
	}
	n := 0
	type result struct {
		leadIdx              int
		contactID, companyID int64
		newContact, newComp  bool
		requestID            any
	}
	var res []result
	for i, l := range leads {
		r := result{leadIdx: n, requestID: l["request_id"]}
		if r.requestID == nil {
			r.requestID = strconv.Itoa(i)
		}
		n++
		emb, _ := l["_embedded"].(map[string]any)
		if first := firstOf(emb, "contacts"); first != nil {
			if r.contactID = idOf(first, "id"); r.contactID == 0 {
				r.newContact = true
				n++
			}
		}
		if first := firstOf(emb, "companies"); first != nil {
			if r.companyID = idOf(first, "id"); r.companyID == 0 {
				r.newComp = true
				n++
			}
		}
		res = append(res, r)
	}
	return shadowPlan{newIDs: n, answer: func(ids []int64) (int, []byte) {
		out := make([]map[string]any, 0, len(res))
		k := 0
		for _, r := range res {
			m := map[string]any{"id": ids[k], "request_id": []any{r.requestID}, "merged": false}
			k++
			if r.newContact {
				r.contactID = ids[k]
				k++
			}
			if r.newComp {
				r.companyID = ids[k]
				k++
			}
			m["contact_id"], m["company_id"] = r.contactID, r.companyID
			out = append(out, m)
		}
		b, _ := json.Marshal(out)
		return http.StatusOK, b
	}}, nil
}

func firstOf(emb map[string]any, key string) map[string]any {
	list, _ := emb[key].([]any)
	if len(list) == 0 {
		return nil
	}
	m, _ := list[0].(map[string]any)
	return m
}

// batchAnswer answers a write of a JSON array of entities: each is echoed
// under _embedded.{collection}, a created one (POST, no id) with a fresh id.
func batchAnswer(method, path string, body []byte) (shadowPlan, error) {
	var items []map[string]any
	if err := decodeJSON(body, &items); err != nil {
		return shadowPlan{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	key := segs[len(segs)-1]
	var linkFrom map[string]any
	if key == "link" && len(segs) >= 2 {
		// /api/v4/{entity}/{id}/link answers _embedded.links with the link's owner.
		key = "links"
		if id, err := strconv.ParseInt(segs[len(segs)-2], 10, 64); err == nil && len(segs) >= 3 {
			linkFrom = map[string]any{"entity_id": id, "entity_type": segs[len(segs)-3]}
		}
	}
	var fresh []int // items that get a new id
	if method == http.MethodPost && key != "links" {
		for i, it := range items {
			if idOf(it, "id") == 0 {
				fresh = append(fresh, i)
			}
		}
	}
	return shadowPlan{newIDs: len(fresh), answer: func(ids []int64) (int, []byte) {
		for k, i := range fresh {
			items[i]["id"] = ids[k]
		}
		for i, it := range items {
			for f, v := range linkFrom {
				it[f] = v
			}
			if _, ok := it["request_id"]; !ok && key != "links" {
				it["request_id"] = strconv.Itoa(i)
			}
		}
		b, _ := json.Marshal(map[string]any{"_total_items": len(items), "_embedded": map[string]any{key: items}})
		return http.StatusOK, b
	}}, nil
}

// objectAnswer answers a write of one JSON object (PATCH of one catalog
// element, and any other): echoed, with a fresh id when POSTed without one.
func objectAnswer(method string, body []byte) (shadowPlan, error) {
	var obj map[string]any
	if err := decodeJSON(body, &obj); err != nil {
		return shadowPlan{}, err
	}
	n := 0
	if method == http.MethodPost && idOf(obj, "id") == 0 {
		n = 1
	}
	return shadowPlan{newIDs: n, answer: func(ids []int64) (int, []byte) {
		if n == 1 {
			obj["id"] = ids[0]
		}
		b, _ := json.Marshal(obj)
		return http.StatusOK, b
	}}, nil
}

// ShadowAnswer rebuilds the answer shadow mode gave to a recorded write from
// its body and the numbers recorded with it (shadow/report reads the ids
// the flow was given from it).
func ShadowAnswer(method, path string, body []byte, nums []int64) (int, []byte, error) {
	path, _, _ = strings.Cut(path, "?")
	ans, err := shadowAnswer(method, path, body)
	if err != nil {
		return 0, nil, err
	}
	if len(nums) != ans.NewIDs {
		return 0, nil, fmt.Errorf("%s %s: %d ids recorded, %d needed", method, path, len(nums), ans.NewIDs)
	}
	status, answer := ans.Build(nums)
	return status, answer, nil
}
