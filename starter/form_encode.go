package starter

import (
	"net/http"
	"time"
	"unicode/utf8"

	"amoflow/workflows"
)

// The accepted path encodes its two JSON documents by hand into buffers
// sized up front: json.Marshal of FormInput (reflection over a map, keys
// sorted through reflect.Value) and a json.Encoder per 202 were a quarter of
// the form handler's CPU (BENCHMARKS.md, ingest finding 2). The output is
// what encoding/json produces for the same values, minus its HTML escaping
// (form_encode_test.go decodes both and compares).

// encodeFormInput is json.Marshal(in) for a FormInput; keys are the keys
// of in.Fields in sorted order (nil: sorted here).
func encodeFormInput(in workflows.FormInput, keys []string) []byte {
	n := 96 + len(in.JobID) + len(in.Account)
	for k, v := range in.Fields {
		n += len(k) + len(v) + 6
	}
	b := make([]byte, 0, n+n/8) // room for a few escapes
	b = append(b, `{"job_id":`...)
	b = appendJSONString(b, in.JobID)
	b = append(b, `,"account":`...)
	b = appendJSONString(b, in.Account)
	b = append(b, `,"received_at":"`...)
	b = in.ReceivedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","fields":`...)
	if in.Fields == nil {
		return append(b, "null}"...)
	}
	if keys == nil {
		var buf [48]string
		keys = workflows.SortedKeys(buf[:0], in.Fields)
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, in.Fields[k])
	}
	return append(b, "}}"...)
}

// accepted is the answer to a stored request (writeAccepted writes it).
type accepted struct {
	JobID     string `json:"job_id"`
	StatusURL string `json:"status_url"`
}

// jsonContentType is shared by every 202 (one allocation less per answer):
// net/http only reads it, and Header.Set or Add would replace it, not write
// into it.
var jsonContentType = []string{"application/json"}

// writeAccepted answers 202 with the job and where to read it:
// {"job_id":…,"status_url":…} and a Location header.
func (s *server) writeAccepted(w http.ResponseWriter, id string) {
	url := s.statusURL(id)
	b := make([]byte, 0, 32+len(id)+len(url)+8)
	b = append(b, `{"job_id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"status_url":`...)
	b = appendJSONString(b, url)
	b = append(b, "}\n"...) // json.Encoder's trailing newline, as before
	h := w.Header()
	h["Content-Type"] = jsonContentType // canonical keys: no re-canonicalisation per answer
	h["Location"] = []string{url}
	w.WriteHeader(http.StatusAccepted)
	w.Write(b)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD
// and U+2028/U+2029 are escaped, as encoding/json does; <, > and & are not
// (nothing here is embedded in HTML).
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
