package amofake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// response is what a handler answers; the server writes it after it has
// let go of the account lock.
type response struct {
	status int
	ctype  string
	body   []byte
	// hangUp closes the connection instead of answering (Faults.DropRefreshAnswer).
	hangUp bool
}

func (r response) write(w http.ResponseWriter) {
	if r.hangUp {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream instead
	}
	if r.status == http.StatusNoContent {
		w.WriteHeader(r.status)
		return
	}
	w.Header().Set("Content-Type", r.ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
	w.Write(r.body)
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // hrefs carry '&'
	if err := enc.Encode(v); err != nil {
		panic("amofake: encoding a response: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// hal is a success answer.
func hal(status int, v any) response {
	return response{status: status, ctype: "application/hal+json", body: encode(v)}
}

// noContent is amoCRM's answer to an empty list, a search without hits and
// a GET of a missing id: 204 with an empty body.
func noContent() response { return response{status: http.StatusNoContent} }

// problem is an error answer in amoCRM's problem+json shape.
func problem(status int, title, detail string) response {
	return response{status: status, ctype: "application/problem+json", body: encode(struct {
		Title  string `json:"title"`
		Type   string `json:"type"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{title, fmt.Sprintf("https://httpstatus.es/%d", status), status, detail})}
}

// validationFailed is the 400 answer of docs/architecture.md#entities-and-errors.
func validationFailed(errs []entityErrors) response {
	return response{status: 400, ctype: "application/problem+json", body: encode(struct {
		ValidationErrors []entityErrors `json:"validation-errors"`
		Title            string         `json:"title"`
		Type             string         `json:"type"`
		Status           int            `json:"status"`
		Detail           string         `json:"detail"`
	}{errs, "Bad Request", "https://httpstatus.es/400", 400, "Request validation failed"})}
}

// htmlPage is an nginx error page: amoCRM's 429, 403 (blocked) and 5xx
// answers are HTML, not JSON.
func htmlPage(status int) response {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	page := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return response{status: status, ctype: "text/html", body: []byte(page)}
}

func notFound(*account, *request) response {
	return problem(http.StatusNotFound, "Not Found", "Route not found")
}

// Lists.

// page answers one page of items the way amoCRM lists do: 204 when the
// page is empty, _links.next while more items follow.
func page[T any](q *request, key string, items []T, maxLimit int, render func(T) any) response {
	v := q.URL.Query()
	pg, _ := strconv.Atoi(v.Get("page"))
	pg = max(pg, 1)
	limit, _ := strconv.Atoi(v.Get("limit"))
	if limit <= 0 {
		limit = min(50, maxLimit)
	}
	limit = min(limit, maxLimit)
	start := (pg - 1) * limit
	if start >= len(items) {
		return noContent()
	}
	end := min(start+limit, len(items))
	out := make([]any, 0, end-start)
	for _, it := range items[start:end] {
		out = append(out, render(it))
	}
	links := map[string]any{"self": q.pageHref(pg, limit)}
	if end < len(items) {
		links["next"] = q.pageHref(pg+1, limit)
	}
	return hal(200, struct {
		Page     int            `json:"_page"`
		Links    map[string]any `json:"_links"`
		Embedded map[string]any `json:"_embedded"`
	}{pg, links, map[string]any{key: out}})
}

// pageHref is the request's own URL with another page.
func (q *request) pageHref(pg, limit int) map[string]string {
	v := q.URL.Query()
	v.Set("page", strconv.Itoa(pg))
	v.Set("limit", strconv.Itoa(limit))
	// Keep filter[id][] readable; clients follow the href as it is.
	enc := strings.NewReplacer("%5B", "[", "%5D", "]").Replace(v.Encode())
	return map[string]string{"href": q.origin + q.URL.Path + "?" + enc}
}

// href is a _links entry for a path under the account's base URL.
func (q *request) href(format string, args ...any) map[string]any {
	return map[string]any{"self": map[string]string{"href": q.base + fmt.Sprintf(format, args...)}}
}

// Query parameters.

// queryStrings collects a list filter, which amoCRM accepts as name=a,b,
// name[]=a or name[0]=a.
func queryStrings(v url.Values, name string) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if k != name {
			rest, ok := strings.CutPrefix(k, name+"[")
			if !ok || !strings.HasSuffix(rest, "]") || strings.Contains(rest, "[") {
				continue
			}
		}
		for _, val := range v[k] {
			for _, s := range strings.Split(val, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// queryInts is queryStrings for ids; what does not parse is ignored.
func queryInts(v url.Values, name string) []int64 {
	var out []int64
	for _, s := range queryStrings(v, name) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// inRange checks filter[name][from] and filter[name][to] (unix seconds).
func inRange(v url.Values, name string, t int64) bool {
	if from, err := strconv.ParseInt(v.Get(name+"[from]"), 10, 64); err == nil && t < from {
		return false
	}
	if to, err := strconv.ParseInt(v.Get(name+"[to]"), 10, 64); err == nil && t > to {
		return false
	}
	return true
}

// with is the set of with= options.
func with(v url.Values) map[string]bool {
	set := map[string]bool{}
	for _, s := range strings.Split(v.Get("with"), ",") {
		set[strings.TrimSpace(s)] = true
	}
	return set
}

// orderParam reads order[field]=asc|desc, defaulting to id ascending.
func orderParam(v url.Values) (field string, desc bool) {
	for k, vals := range v {
		if f, ok := strings.CutPrefix(k, "order["); ok && strings.HasSuffix(f, "]") {
			return strings.TrimSuffix(f, "]"), len(vals) > 0 && strings.EqualFold(vals[0], "desc")
		}
	}
	return "id", false
}

// Search.

// matches is amoCRM's fuzzy query= as the fake models it: a
// case-insensitive substring of a name or of a value of the searched
// fields (phones and emails, or every field when all is set). A query made
// of digits and phone punctuation also hits every phone whose digits
// contain its digits, so "9161234567" finds "+7 (916) 123-45-67" but also
// "8 916 123 45 678": callers must check the hit.
func matches(query string, names []string, fields []FieldValue, all bool) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return true
	}
	for _, n := range names {
		if strings.Contains(strings.ToLower(n), q) {
			return true
		}
	}
	qd := ""
	if strings.Trim(q, "0123456789+-() .") == "" {
		qd = digits(q)
	}
	for _, f := range fields {
		phone := f.FieldCode == "PHONE"
		if !all && !phone && f.FieldCode != "EMAIL" {
			continue
		}
		for _, v := range f.Values {
			s := strings.ToLower(valueText(v.Value))
			if strings.Contains(s, q) || (phone && qd != "" && strings.Contains(digits(s), qd)) {
				return true
			}
		}
	}
	return false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Entities.

// renderCommon renders what leads, contacts and companies share.
func (a *account) renderCommon(q *request, c common) (m, emb map[string]any) {
	emb = map[string]any{"tags": renderTags(*c.tags)}
	m = map[string]any{
		"id":                   *c.id,
		"name":                 *c.name,
		"responsible_user_id":  *c.responsible,
		"group_id":             *c.group,
		"created_by":           *c.createdBy,
		"updated_by":           *c.updatedBy,
		"created_at":           *c.createdAt,
		"updated_at":           *c.updatedAt,
		"is_deleted":           *c.isDeleted,
		"custom_fields_values": a.renderFields(c.entity, *c.fields),
		"account_id":           a.cfg.AccountID,
		"_links":               q.href("/api/v4/%s/%d", c.entity, *c.id),
		"_embedded":            emb,
	}
	return m, emb
}

func renderTags(tags []Tag) []any {
	out := []any{}
	for _, t := range tags {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "color": nil})
	}
	return out
}

// renderFields renders custom_fields_values; amoCRM sends null for none.
func (a *account) renderFields(entity string, fs []FieldValue) any {
	if len(fs) == 0 {
		return nil
	}
	out := make([]any, 0, len(fs))
	for _, f := range fs {
		name, typ, code := "", "text", any(nil)
		if def := a.fields[entity].byID[f.FieldID]; def != nil {
			name, typ = def.Name, def.Type
			if def.Code != "" {
				code = def.Code
			}
		}
		values := make([]any, 0, len(f.Values))
		for _, v := range f.Values {
			m := map[string]any{"value": v.Value}
			if v.EnumID != 0 {
				m["enum_id"] = v.EnumID
			}
			if v.EnumCode != "" {
				m["enum_code"] = v.EnumCode
			}
			values = append(values, m)
		}
		out = append(out, map[string]any{"field_id": f.FieldID, "field_name": name, "field_code": code,
			"field_type": typ, "values": values})
	}
	return out
}

// renderLinked renders the ids of linked entities for _embedded.
func (a *account) renderLinked(q *request, from string, id int64, to string) []any {
	out := []any{}
	for _, l := range a.linksOf(from, id) {
		if l.ToEntityType != to {
			continue
		}
		m := map[string]any{"id": l.ToEntityID, "_links": q.href("/api/v4/%s/%d", to, l.ToEntityID)}
		switch to {
		case "contacts":
			if from == "leads" {
				m["is_main"] = l.Metadata["main_contact"] == true
			}
		case "catalog_elements":
			m["metadata"] = l.Metadata
			m["_links"] = q.href("/api/v4/catalogs/%v/elements/%d", l.Metadata["catalog_id"], l.ToEntityID)
		}
		out = append(out, m)
	}
	return out
}
