package starter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	gohash "hash"
	"io"
	"net/http"
	"unsafe"

	"amoflow/secret"
)

// A job's status_url is a capability: /v1/jobs/{id}/{cap}, where cap is an
// HMAC of the id under inbound.jobs_secret. Job ids are partly guessable
// (1c-managers-{minute}), the capability is not, so only whoever received
// the 202 reads the result. An id without a valid capability answers 404
// without asking Temporal. 1C may also read /v1/jobs/{id} with its token.

// jobCapKey is the HMAC key; without inbound.jobs_secret (tests, amoflow
// dev) a random one, so status URLs last as long as the process.
func jobCapKey(configured string) []byte {
	if configured != "" {
		return []byte(configured)
	}
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// jobCap is 128 bits of HMAC-SHA256("job/v1", id), URL-safe.
func (s *server) jobCap(id string) string {
	var b [capLen]byte
	return string(s.appendJobCap(b[:0], id))
}

// capLen is the length of a capability: 16 bytes in unpadded base64.
const capLen = 22

// appendJobCap appends jobCap(id) to b.
func (s *server) appendJobCap(b []byte, id string) []byte {
	m, _ := s.capMACs.Get().(gohash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.jobKey)
	}
	m.Reset()
	io.WriteString(m, "job/v1\x00")
	io.WriteString(m, id)
	var sum [sha256.Size]byte
	b = base64.RawURLEncoding.AppendEncode(b, m.Sum(sum[:0])[:16])
	s.capMACs.Put(m) // an HMAC set up once: keyed hashes are costly to make per 202
	return b
}

// statusURL is where the caller of a 202 reads its job, made in one
// allocation (it is built for every 202).
func (s *server) statusURL(id string) string {
	const path = "/v1/jobs/"
	b := make([]byte, 0, len(s.cfg.HTTP.PublicURL)+len(path)+len(id)+1+capLen)
	b = append(b, s.cfg.HTTP.PublicURL...)
	b = append(b, path...)
	b = append(b, id...)
	b = append(b, '/')
	b = s.appendJobCap(b, id)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// jobAllowed checks the capability in the path, or else the 1C token.
func (s *server) jobAllowed(r *http.Request, id, cap string) bool {
	if cap != "" {
		return secret.Equal(cap, s.jobCap(id))
	}
	return secret.Equal(onecToken(r), s.cfg.Inbound.OneCToken)
}
