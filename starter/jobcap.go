package starter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	gohash "hash"
	"io"
	"net/http"

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
	m, _ := s.capMACs.Get().(gohash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.jobKey)
	}
	m.Reset()
	m.Write([]byte("job/v1\x00"))
	io.WriteString(m, id)
	var sum [sha256.Size]byte
	c := base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:16])
	s.capMACs.Put(m) // an HMAC set up once: keyed hashes are costly to make per 202
	return c
}

// statusURL is where the caller of a 202 reads its job.
func (s *server) statusURL(id string) string {
	return s.cfg.HTTP.PublicURL + "/v1/jobs/" + id + "/" + s.jobCap(id)
}

// jobAllowed checks the capability in the path, or else the 1C token.
func (s *server) jobAllowed(r *http.Request, id, cap string) bool {
	if cap != "" {
		return secret.Equal(cap, s.jobCap(id))
	}
	return secret.Equal(onecToken(r), s.cfg.Inbound.OneCToken)
}
