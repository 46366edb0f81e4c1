package amocrm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
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
	active string
	ids    []string
	aeads  map[string]cipher.AEAD
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
	k := &TokenKey{active: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, nk := range keys {
		if nk.ID == "" || strings.Contains(nk.ID, ":") {
			return nil, fmt.Errorf("amocrm: token key id %q: empty or holds ':'", nk.ID)
		}
		if _, dup := k.aeads[nk.ID]; dup {
			return nil, fmt.Errorf("amocrm: token key id %q listed twice", nk.ID)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(nk.Key))
		if err != nil {
			return nil, fmt.Errorf("amocrm: token key %s: %v", nk.ID, err)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("amocrm: token key %s: got %d bytes, want 32", nk.ID, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[nk.ID] = aead
		k.ids = append(k.ids, nk.ID)
	}
	return k, nil
}

// ActiveID is the id of the key that seals.
func (k *TokenKey) ActiveID() string { return k.active }

// aad binds a sealed value to its account and column, so a ciphertext copied
// to another row or column does not decrypt.
func aad(account, column string) []byte { return []byte(account + "\x00" + column) }

// seal encrypts v; a nil key and the empty string pass through unchanged.
func (k *TokenKey) seal(account, column, v string) string {
	if k == nil || v == "" {
		return v
	}
	aead := k.aeads[k.active]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := aead.Seal(nonce, nonce, []byte(v), aad(account, column))
	return sealedPrefix + k.active + ":" + base64.StdEncoding.EncodeToString(out)
}

// open reverses seal and accepts plain-text values.
func (k *TokenKey) open(account, column, v string) (string, error) {
	var candidates []string
	var rest string
	switch {
	case strings.HasPrefix(v, sealedPrefix):
		id, body, ok := strings.Cut(strings.TrimPrefix(v, sealedPrefix), ":")
		if !ok {
			return "", fmt.Errorf("stored %s is corrupt", column)
		}
		if k == nil {
			return "", errors.New("token is encrypted but no token key is configured")
		}
		if _, known := k.aeads[id]; !known {
			return "", fmt.Errorf("stored %s is sealed with token key %q, which is not configured", column, id)
		}
		candidates, rest = []string{id}, body
	case strings.HasPrefix(v, sealedPrefixV1):
		if k == nil {
			return "", errors.New("token is encrypted but no token key is configured")
		}
		// No key id: the GCM tag tells which key sealed it.
		candidates, rest = k.ids, strings.TrimPrefix(v, sealedPrefixV1)
	default:
		return v, nil
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("stored %s is corrupt", column)
	}
	for _, id := range candidates {
		aead := k.aeads[id]
		n := aead.NonceSize()
		if len(raw) < n {
			return "", fmt.Errorf("stored %s is corrupt", column)
		}
		if plain, err := aead.Open(nil, raw[:n], raw[n:], aad(account, column)); err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("stored %s does not decrypt with the configured token keys", column)
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
