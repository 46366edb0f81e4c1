package amocrm

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"amoflow/seal"
)

// Stored tokens are plain text, or sealed:
//
//	enc:v1:{base64(nonce|ciphertext)}       a single unnamed key (older rows)
//	enc:v2:{key id}:{base64(nonce|ciphertext)}
//
// Plain values stay readable, so a key can be introduced without migrating
// rows (the next write seals); `amoflow auth rekey` re-seals every row with
// the newest key so old keys can be dropped.
const (
	sealedPrefixV1 = "enc:v1:"
	sealedPrefix   = "enc:v2:"
)

// TokenKey encrypts tokens at rest with AES-256-GCM. It is a key ring: the
// first key seals, every key opens.
type TokenKey struct {
	ring *seal.Ring
}

// NamedTokenKey is one key of the ring: an id and standard base64 of 32 bytes.
type NamedTokenKey struct {
	ID, Key string
}

// ParseTokenKey decodes config's token_key (standard base64 of 32 bytes).
// An empty string means no encryption: it returns nil, nil.
func ParseTokenKey(b64 string) (*TokenKey, error) {
	if b64 == "" {
		return nil, nil
	}
	return ParseTokenKeys([]NamedTokenKey{{ID: "token_key", Key: b64}})
}

// ParseTokenKeys builds the ring from keys, newest first. No keys means no
// encryption: it returns nil, nil.
func ParseTokenKeys(keys []NamedTokenKey) (*TokenKey, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ring := make([]seal.Key, 0, len(keys))
	for _, nk := range keys {
		// The id is framed by ':' in the stored value.
		if nk.ID == "" || strings.Contains(nk.ID, ":") {
			return nil, fmt.Errorf("amocrm: token key id %q: empty or holds ':'", nk.ID)
		}
		key, err := seal.ParseKey(nk.ID, nk.Key)
		if err != nil {
			return nil, fmt.Errorf("amocrm: token %w", err)
		}
		ring = append(ring, key)
	}
	r, err := seal.NewRing(ring)
	if err != nil {
		return nil, fmt.Errorf("amocrm: token %w", err)
	}
	return &TokenKey{ring: r}, nil
}

// ActiveID is the id of the key that seals.
func (k *TokenKey) ActiveID() string { return k.ring.ActiveID() }

// aad binds a sealed value to its account and column, so a ciphertext copied
// to another row or column does not decrypt.
func aad(account, column string) []byte { return []byte(account + "\x00" + column) }

// seal encrypts v; a nil key and the empty string pass through unchanged.
func (k *TokenKey) seal(account, column, v string) string {
	if k == nil || v == "" {
		return v
	}
	out := k.ring.Seal([]byte(v), aad(account, column))
	return sealedPrefix + k.ring.ActiveID() + ":" + base64.StdEncoding.EncodeToString(out)
}

// open reverses seal and accepts plain-text values.
func (k *TokenKey) open(account, column, v string) (string, error) {
	var plain []byte
	var err error
	switch {
	case strings.HasPrefix(v, sealedPrefix):
		id, body, ok := strings.Cut(strings.TrimPrefix(v, sealedPrefix), ":")
		if !ok {
			return "", fmt.Errorf("stored %s is corrupt", column)
		}
		if k == nil {
			return "", errors.New("token is encrypted but no token key is configured")
		}
		if !k.ring.Has(id) {
			return "", fmt.Errorf("stored %s is sealed with token key %q, which is not configured", column, id)
		}
		raw, derr := base64.StdEncoding.DecodeString(body)
		if derr != nil {
			return "", fmt.Errorf("stored %s is corrupt", column)
		}
		plain, err = k.ring.Open(id, raw, aad(account, column))
	case strings.HasPrefix(v, sealedPrefixV1):
		if k == nil {
			return "", errors.New("token is encrypted but no token key is configured")
		}
		raw, derr := base64.StdEncoding.DecodeString(strings.TrimPrefix(v, sealedPrefixV1))
		if derr != nil {
			return "", fmt.Errorf("stored %s is corrupt", column)
		}
		// No key id: the GCM tag tells which key sealed it.
		plain, err = k.ring.OpenAny(raw, aad(account, column))
	default:
		return v, nil
	}
	switch {
	case errors.Is(err, seal.ErrTruncated):
		return "", fmt.Errorf("stored %s is corrupt", column)
	case err != nil:
		return "", fmt.Errorf("stored %s does not decrypt with the configured token keys", column)
	}
	return string(plain), nil
}

// sealedWith is the key id of a stored value: "" for plain text, "v1" for
// an unnamed-key value.
func sealedWith(v string) string {
	if rest, ok := strings.CutPrefix(v, sealedPrefix); ok {
		id, _, _ := strings.Cut(rest, ":")
		return id
	}
	if strings.HasPrefix(v, sealedPrefixV1) {
		return "v1"
	}
	return ""
}
