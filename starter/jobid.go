package starter

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"time"

	"amoflow/phone"
	"amoflow/workflows"
)

// Job ids are deterministic, so that a double submit or a site retrying a
// request maps to the job already started: the id is the Temporal workflow id,
// and Temporal starts one workflow per id.

// maxKeyLen bounds an Idempotency-Key used verbatim in an id.
const maxKeyLen = 64

// formJobID is form-{account}-{key} for a client's Idempotency-Key, else
// form-{account}-{hash of the submission}. The hash covers the account, the
// contact keys, the form name, every field and the dedup window the
// submission arrived in: identical submissions within one window share a job.
// Two identical submissions on either side of a window edge get two jobs;
// the lead flow then merges the second into the first lead.
func formJobID(account, idempotencyKey string, fields map[string]string, at time.Time, window time.Duration) string {
	if idempotencyKey != "" {
		return "form-" + account + "-" + sanitizeKey(idempotencyKey)
	}
	h := newHash()
	h.add("form/v1")
	h.add(account)
	h.add(phone.Normalize(fields["phone"]))
	h.add(workflows.FormEmail(fields["email"]))
	h.add(fields["form_name_site"])
	h.addFields(fields)
	if window <= 0 {
		window = time.Nanosecond
	}
	h.add(strconv.FormatInt(at.UnixNano()/int64(window), 10))
	return "form-" + account + "-" + h.hex()
}

// sanitizeKey keeps a short key of URL-safe characters as it is (it appears in
// status_url); any other key is replaced by its hash, so two distinct keys
// never collapse into one.
func sanitizeKey(key string) string {
	if len(key) <= maxKeyLen && safeKey(key) {
		return key
	}
	h := newHash()
	h.add(key)
	return h.hex()
}

func safeKey(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// hash writes length-prefixed parts, so that ("ab","c") and ("a","bc") differ.
type hash struct{ buf []byte }

func newHash() *hash { return &hash{buf: make([]byte, 0, 512)} }

func (h *hash) add(s string) {
	h.buf = binary.AppendUvarint(h.buf, uint64(len(s)))
	h.buf = append(h.buf, s...)
}

// addFields adds every field, key then value, in key order.
func (h *hash) addFields(fields map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		h.add(k)
		h.add(fields[k])
	}
}

// sum is the SHA-256 of what was added.
func (h *hash) sum() []byte {
	s := sha256.Sum256(h.buf)
	return s[:]
}

// hex is 128 bits of the SHA-256, in hex.
func (h *hash) hex() string {
	sum := sha256.Sum256(h.buf)
	return hex.EncodeToString(sum[:16])
}
