package starter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unsafe"
)

// limitBody caps every request body at http.body_limit: a declared length
// above it is refused at once, a longer stream fails when read (413 either way).
func (s *server) limitBody(next http.Handler) http.Handler {
	limit := s.cfg.HTTP.BodyLimit
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeProblem(w, tooLarge(limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// Form body media types. The media type is compared without its parameters,
// so "; charset=UTF-8" is fine (the old exact compare was a defect, docs/flows.md#form-endpoints).
const (
	typeURLEncoded = "application/x-www-form-urlencoded"
	typeMultipart  = "multipart/form-data"
	typeJSON       = "application/json"
)

// readForm decodes a form body into the keys keep reports (see wanted). A
// key sent twice keeps its last value, as PHP's $_POST did.
func readForm(r *http.Request, keep func(string) bool) (map[string]string, *problem) {
	ct := r.Header.Get("Content-Type")
	if ct == typeURLEncoded { // what browsers send: no parameters to parse
		return readURLEncoded(r, keep)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, unsupportedType(typeURLEncoded, typeMultipart, typeJSON)
	}
	switch mt {
	case typeURLEncoded:
		return readURLEncoded(r, keep)
	case typeMultipart:
		return readMultipart(r, keep)
	case typeJSON:
		return readJSON(r, keep)
	}
	return nil, unsupportedType(typeURLEncoded, typeMultipart, typeJSON)
}

// readError turns a body read error into a problem.
func readError(err error) *problem {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	return badBody("the body could not be read")
}

// readURLEncoded parses the body in one pass into one map, unescaping only
// the values of wanted keys (url.ParseQuery built a map of every key first, a
// quarter of the handler's CPU). It refuses what url.ParseQuery refuses: a
// pair with a semicolon, a malformed %-escape in any key or value.
func readURLEncoded(r *http.Request, keep func(string) bool) (map[string]string, *problem) {
	body, err := readBody(r)
	if err != nil {
		return nil, readError(err)
	}
	// The values that need no unescaping are substrings of the body, which
	// is never written again: no copy of it as a string.
	form, ok := parseURLEncoded(unsafe.String(unsafe.SliceData(body), len(body)), keep)
	if !ok {
		return nil, badBody("the body is not valid %s", typeURLEncoded)
	}
	return form, nil
}

// readBody is io.ReadAll with its buffer sized from Content-Length (which
// limitBody has capped), so a form body is read without growing a buffer.
func readBody(r *http.Request) ([]byte, error) {
	size := 512 // io.ReadAll's
	if n := r.ContentLength; n > 0 && n < 1<<20 {
		size = int(n) + 1 // +1: the read that sees EOF
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// parseURLEncoded is readURLEncoded's parser: the kept keys with their last
// value; false for a body url.ParseQuery would refuse.
func parseURLEncoded(body string, keep func(string) bool) (map[string]string, bool) {
	form := make(map[string]string, 16) // a site form sends 5–15 known fields
	valid := true
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			valid = false // as url.ParseQuery: reported, the other pairs still read
			continue
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k) // no copy unless k has an escape
		if err != nil {
			valid = false
			continue
		}
		if !keep(key) {
			if !validEscapes(v) {
				valid = false
			}
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			valid = false
			continue
		}
		form[key] = val
	}
	return form, valid
}

// validEscapes reports whether every % in s starts a two-digit hex escape,
// without unescaping s.
func validEscapes(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; i = strings.IndexByte(s, '%') {
		if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
			return false
		}
		s = s[i+3:]
	}
	return true
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// readMultipart reads the value parts as they stream in; file parts are
// skipped, so nothing is buffered on disk.
func readMultipart(r *http.Request, keep func(string) bool) (map[string]string, *problem) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badBody("the body is not valid %s", typeMultipart)
	}
	form := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, readError(err)
		}
		name := part.FormName()
		if name == "" || part.FileName() != "" || !keep(name) {
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, readError(err)
		}
		form[name] = string(v)
	}
}

// readJSON accepts a flat object. Strings are taken as they are, numbers
// and booleans as their JSON text, null as absent; a nested value in a wanted
// key is an error, in any other key it is ignored.
func readJSON(r *http.Request, keep func(string) bool) (map[string]string, *problem) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, readError(err)
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, badBody("the body is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badBody("the body holds more than one JSON value")
	}
	form := map[string]string{}
	for k, raw := range obj {
		if !keep(k) {
			continue
		}
		switch raw[0] {
		case '"':
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, invalidField(k, "is not a valid JSON string")
			}
			form[k] = v
		case 'n': // null
		case '{', '[':
			return nil, invalidField(k, "must be a string, a number or a boolean")
		default: // a number, true or false: valid JSON already
			form[k] = string(raw)
		}
	}
	return form, nil
}
