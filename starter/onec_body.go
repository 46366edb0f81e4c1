package starter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// onecBody reads a 1C request body as a JSON object: a JSON body as it is,
// a form (urlencoded or multipart, PHP-style keys such as
// ItemPrices[0][UID]) converted to the JSON object PHP's $_POST would be.
func onecBody(r *http.Request) (json.RawMessage, *problem) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, unsupportedType(typeJSON, typeURLEncoded, typeMultipart)
	}
	switch mt {
	case typeJSON:
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, readError(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil || obj == nil {
			return nil, badBody("the body is not a JSON object")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, badBody("the body holds more than one JSON value")
		}
		return b, nil
	case typeURLEncoded, typeMultipart:
		if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, tooLarge(tooBig.Limit)
			}
			return nil, badBody("the body is not a valid form")
		}
		b, _ := json.Marshal(phpForm(r.PostForm))
		return b, nil
	}
	return nil, unsupportedType(typeJSON, typeURLEncoded, typeMultipart)
}

// phpForm nests PHP-style keys (a[b][0]=x) the way PHP fills $_POST; a
// level whose keys are all 0..n-1 becomes an array. A key sent twice keeps
// its last value.
func phpForm(v url.Values) any {
	root := map[string]any{}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := v[k]
		if len(vals) == 0 {
			continue
		}
		path := phpPath(k)
		node := root
		for i, p := range path {
			if i == len(path)-1 {
				node[p] = vals[len(vals)-1]
				break
			}
			next, ok := node[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[p] = next
			}
			node = next
		}
	}
	return arrays(root)
}

// phpPath splits "a[b][c]" into a, b, c; "a[]" gets the index "".
func phpPath(key string) []string {
	name, rest, ok := strings.Cut(key, "[")
	if !ok {
		return []string{key}
	}
	return append([]string{name}, strings.Split(strings.TrimSuffix(rest, "]"), "][")...)
}

// arrays turns maps keyed 0..n-1 into slices, recursively.
func arrays(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		m[k] = arrays(x)
	}
	list := make([]any, len(m))
	for k, x := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(m) || list[i] != nil {
			return m
		}
		list[i] = x
	}
	return list
}

// decodeInto decodes a 1C body into v, naming the field of a type error.
// Values are never echoed: they may be personal data.
func decodeInto(raw json.RawMessage, v any) *problem {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return invalidField(te.Field, "has the wrong type (%s)", te.Value)
	}
	if strings.Contains(err.Error(), "is not a date") {
		return badBody("a date is not in the format dd.MM.yyyy H:mm:ss")
	}
	return badBody("the body does not match the 1C model")
}
