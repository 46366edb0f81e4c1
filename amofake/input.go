package amofake

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBatch is amoCRM's limit of entities in one create or update request.
const maxBatch = 50

// textFieldLimit is amoCRM's limit on a text custom field's value of a
// lead, contact or company, in characters.
const textFieldLimit = 256

// fieldError is one entry of a validation error's errors list.
type fieldError struct {
	Code   string `json:"code"`
	Path   string `json:"path"`
	Detail string `json:"detail"`
}

// entityErrors is what is wrong with one entity of a batch.
type entityErrors struct {
	RequestID string       `json:"request_id"`
	Errors    []fieldError `json:"errors"`
}

// reader reads one JSON object of a request body and collects what is
// wrong with it, so that a batch can be answered with every error at once.
type reader struct {
	m    map[string]json.RawMessage
	path string // prefix of error paths, like "_embedded.contacts.0."
	errs *[]fieldError
}

func newReader(m map[string]json.RawMessage) reader {
	return reader{m: m, errs: new([]fieldError)}
}

func (rd reader) ok() bool { return len(*rd.errs) == 0 }

func (rd reader) has(key string) bool {
	_, ok := rd.m[key]
	return ok
}

func (rd reader) fail(code, key, detail string) {
	*rd.errs = append(*rd.errs, fieldError{Code: code, Path: rd.path + key, Detail: detail})
}

func (rd reader) missing(key string) { rd.fail("FieldMissing", key, "This field is missing.") }

func (rd reader) notFound(key string) { rd.fail("NotFound", key, "Entity not found.") }

func (rd reader) badChoice(key string) {
	rd.fail("NotSupportedChoice", key, "The value you selected is not a valid choice.")
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// str sets *dst when key is present and a string (null sets "").
// It reports whether it set *dst.
func (rd reader) str(key string, dst *string) bool {
	raw, ok := rd.m[key]
	if !ok {
		return false
	}
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		rd.fail("InvalidType", key, "This value should be of type string.")
		return false
	}
	*dst = ""
	if s != nil {
		*dst = *s
	}
	return true
}

// int sets *dst when key is present and an integer (null sets 0).
func (rd reader) int(key string, dst *int64) bool {
	raw, ok := rd.m[key]
	if !ok {
		return false
	}
	var n *int64
	if err := json.Unmarshal(raw, &n); err != nil {
		rd.fail("InvalidType", key, "This value should be of type int.")
		return false
	}
	*dst = 0
	if n != nil {
		*dst = *n
	}
	return true
}

// boolean sets *dst when key is present and a bool.
func (rd reader) boolean(key string, dst *bool) bool {
	raw, ok := rd.m[key]
	if !ok {
		return false
	}
	var b *bool
	if err := json.Unmarshal(raw, &b); err != nil {
		rd.fail("InvalidType", key, "This value should be of type bool.")
		return false
	}
	*dst = b != nil && *b
	return true
}

// value reads any JSON value, keeping numbers exact.
func (rd reader) value(key string) (any, bool) {
	raw, ok := rd.m[key]
	if !ok {
		return nil, false
	}
	v, err := decodeValue(raw)
	if err != nil {
		rd.fail("InvalidType", key, "This value is not valid.")
		return nil, false
	}
	return v, true
}

func decodeValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// object returns a reader for the object at key. A null or absent key
// reports false; anything else that is not an object is an error.
func (rd reader) object(key string) (reader, bool) {
	raw, ok := rd.m[key]
	if !ok || isNull(raw) {
		return reader{}, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		rd.fail("InvalidType", key, "This value should be of type object.")
		return reader{}, false
	}
	return reader{m: m, path: rd.path + key + ".", errs: rd.errs}, true
}

// objects returns readers for the array of objects at key. present is
// false when the key is absent; a null array is present and empty.
func (rd reader) objects(key string) (items []reader, present bool) {
	raw, ok := rd.m[key]
	if !ok {
		return nil, false
	}
	if isNull(raw) {
		return nil, true
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		rd.fail("InvalidType", key, "This value should be of type array.")
		return nil, false
	}
	for i, m := range list {
		items = append(items, reader{m: m, path: rd.path + key + "." + strconv.Itoa(i) + ".", errs: rd.errs})
	}
	return items, true
}

// requestID is the request_id a batch entity is answered with: its own or its index.
func requestID(m map[string]json.RawMessage, i int) string {
	var s string
	if raw, ok := m["request_id"]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
		return s
	}
	return strconv.Itoa(i)
}

// batch decodes the body of a batch write: a JSON array of 1 to 50 objects.
func batch(body []byte) ([]map[string]json.RawMessage, response, bool) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, problem(400, "Bad Request", "Request body must be a JSON array of objects"), false
	}
	switch {
	case len(list) == 0:
		return nil, validationFailed([]entityErrors{{RequestID: "0", Errors: []fieldError{{
			Code: "TooFewElements", Path: "", Detail: "This collection should contain 1 element or more."}}}}), false
	case len(list) > maxBatch:
		return nil, validationFailed([]entityErrors{{RequestID: "0", Errors: []fieldError{{
			Code: "TooManyElements", Path: "", Detail: "This collection should contain 50 elements or less."}}}}), false
	}
	return list, response{}, true
}

// readBatch decodes a batch write and reads each object with read, which
// records what is wrong on rd. amoCRM saves a batch whole or not at all: when
// any object has errors, the answer names every one of them (by request_id
// or index) and nothing is read on. rids are the request ids of the items.
func readBatch[T any](body []byte, read func(rd reader) T) (items []T, rids []string, resp response, ok bool) {
	objs, resp, ok := batch(body)
	if !ok {
		return nil, nil, resp, false
	}
	var bad []entityErrors
	for i, o := range objs {
		rd := newReader(o)
		it := read(rd)
		if !rd.ok() {
			bad = append(bad, entityErrors{requestID(o, i), *rd.errs})
			continue
		}
		items, rids = append(items, it), append(rids, requestID(o, i))
	}
	if len(bad) > 0 {
		return nil, nil, validationFailed(bad), false
	}
	return items, rids, response{}, true
}

// single decodes the body of a PATCH /{entity}/{id}: one JSON object.
func single(body []byte) (map[string]json.RawMessage, response, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, problem(400, "Bad Request", "Request body must be a JSON object"), false
	}
	return m, response{}, true
}

// readFields reads custom_fields_values and merges them into *dst: each
// field given replaces that field's values, and values null or [] clears
// it. Fields not given are left alone, as in amoCRM.
func (a *account) readFields(rd reader, entity string, dst *[]FieldValue) {
	items, ok := rd.objects("custom_fields_values")
	if !ok {
		return
	}
	set := a.fields[entity]
	out := cloneFields(*dst)
	for _, it := range items {
		var id int64
		var code string
		it.int("field_id", &id)
		it.str("field_code", &code)
		var def *customField
		switch {
		case id != 0:
			if def, ok = set.lookup(id); !ok {
				it.badChoice("field_id")
				continue
			}
		case code != "":
			if def, ok = set.byCode(code); !ok {
				it.badChoice("field_code")
				continue
			}
		default:
			it.missing("field_id")
			continue
		}
		values, _ := it.objects("values")
		f := FieldValue{FieldID: def.ID, FieldCode: def.Code}
		for _, vr := range values {
			var v Value
			v.Value, _ = vr.value("value")
			vr.int("enum_id", &v.EnumID)
			vr.str("enum_code", &v.EnumCode)
			switch v.Value.(type) {
			case map[string]any, []any:
				vr.fail("InvalidType", "value", "This value should be of type scalar.")
				continue
			}
			if len(def.Enums) > 0 {
				if !fillEnum(def, &v) {
					key := "enum_code"
					if v.EnumID != 0 {
						key = "enum_id"
					}
					vr.badChoice(key)
					continue
				}
			} else if v.Value == nil && v.EnumID == 0 {
				vr.missing("value")
				continue
			}
			if str, ok := v.Value.(string); ok && def.Type == "text" && entity != "catalogs" && utf8.RuneCountInString(str) > textFieldLimit {
				// amoCRM refuses the whole request, not just the value.
				vr.fail("LengthTooLong", "value", "This value is too long. It should have 256 characters or less.")
				continue
			}
			f.Values = append(f.Values, v)
		}
		i := slices.IndexFunc(out, func(x FieldValue) bool { return x.FieldID == def.ID })
		switch {
		case len(f.Values) == 0 && i >= 0:
			out = slices.Delete(out, i, i+1)
		case len(f.Values) == 0:
		case i >= 0:
			out[i] = f
		default:
			out = append(out, f)
		}
	}
	*dst = out
}

// readTags reads _embedded.tags, which replaces the tags, and the newer
// tags_to_add and tags_to_delete. A tag named but unknown keeps ID 0 until
// the entity is saved, when it is created.
func (a *account) readTags(rd reader, entity string, dst *[]Tag) {
	if emb, ok := rd.object("_embedded"); ok {
		if items, ok := emb.objects("tags"); ok {
			*dst = a.readTagList(items, entity)
		}
	}
	if items, ok := rd.objects("tags_to_add"); ok {
		for _, t := range a.readTagList(items, entity) {
			if !slices.ContainsFunc(*dst, func(x Tag) bool { return sameTag(x, t) }) {
				*dst = append(*dst, t)
			}
		}
	}
	if items, ok := rd.objects("tags_to_delete"); ok {
		for _, t := range a.readTagList(items, entity) {
			*dst = slices.DeleteFunc(*dst, func(x Tag) bool { return sameTag(x, t) })
		}
	}
}

func sameTag(x, y Tag) bool {
	if x.ID != 0 && y.ID != 0 {
		return x.ID == y.ID
	}
	return strings.EqualFold(x.Name, y.Name)
}

func (a *account) readTagList(items []reader, entity string) []Tag {
	var out []Tag
	for _, it := range items {
		var t Tag
		it.int("id", &t.ID)
		it.str("name", &t.Name)
		switch {
		case t.ID != 0:
			have, ok := a.findTag(entity, Tag{ID: t.ID})
			if !ok {
				it.badChoice("id")
				continue
			}
			t = have
		case strings.TrimSpace(t.Name) == "":
			it.missing("name")
			continue
		default:
			if have, ok := a.findTag(entity, t); ok {
				t = have
			}
		}
		out = append(out, t)
	}
	return out
}

// readCommon reads the fields leads, contacts and companies share.
func (a *account) readCommon(rd reader, c common) {
	rd.str("name", c.name)
	rd.int("responsible_user_id", c.responsible)
	rd.int("group_id", c.group)
	rd.int("created_by", c.createdBy)
	rd.int("updated_by", c.updatedBy)
	rd.int("created_at", c.createdAt)
	rd.int("updated_at", c.updatedAt)
	a.readFields(rd, c.entity, c.fields)
	a.readTags(rd, c.entity, c.tags)
}

// readLinks reads _embedded.{to}: [{id}] into links to make from the entity
// being written; the ids must exist.
func (a *account) readLinks(rd reader, from, to string) []Link {
	emb, ok := rd.object("_embedded")
	if !ok {
		return nil
	}
	items, _ := emb.objects(to)
	var out []Link
	for _, it := range items {
		var id int64
		if !it.int("id", &id) {
			it.missing("id")
			continue
		}
		if !a.exists(to, id) {
			it.notFound("id")
			continue
		}
		var meta map[string]any
		var main bool
		if it.boolean("is_main", &main) && main {
			meta = map[string]any{"is_main": true}
		}
		out = append(out, Link{EntityType: from, ToEntityType: to, ToEntityID: id, Metadata: meta})
	}
	return out
}
