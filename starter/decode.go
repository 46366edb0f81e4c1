package starter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
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
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
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

func readURLEncoded(r *http.Request, keep func(string) bool) (map[string]string, *problem) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, readError(err)
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badBody("the body is not valid %s", typeURLEncoded)
	}
	form := map[string]string{}
	for k, vs := range values {
		if keep(k) && len(vs) > 0 {
			form[k] = vs[len(vs)-1]
		}
	}
	return form, nil
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
