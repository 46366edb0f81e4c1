// Package seal encrypts small values with AES-256-GCM under named keys. A
// Ring holds several keys so they can rotate: the first seals, every key
// opens. Sealed bytes are nonce || ciphertext; callers bind them to their
// context with additional data and frame them, with the key id, in their
// own stored format (codec's Temporal payloads, amocrm's stored tokens).
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Key is one named AES-256 key.
type Key struct {
	ID  string
	Key []byte // 32 bytes
}

// ParseKey decodes a key given as standard base64 of 32 bytes.
func ParseKey(id, b64 string) (Key, error) {
	if id == "" {
		return Key{}, errors.New("key id is empty")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return Key{}, fmt.Errorf("key %s: not base64: %v", id, err)
	}
	if len(raw) != 32 {
		return Key{}, fmt.Errorf("key %s: got %d bytes, want 32 (openssl rand -base64 32)", id, len(raw))
	}
	return Key{ID: id, Key: raw}, nil
}

// Errors of Open, for callers to word in their own terms.
var (
	ErrUnknownKey = errors.New("key is not configured")
	ErrTruncated  = errors.New("sealed value is truncated")
	ErrOpen       = errors.New("sealed value does not decrypt")
)

// Ring is a set of keys, newest first.
type Ring struct {
	active string
	ids    []string
	aeads  map[string]cipher.AEAD
}

// NewRing returns a ring sealing with keys[0] and opening with any of keys.
func NewRing(keys []Key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	r := &Ring{active: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if k.ID == "" {
			return nil, errors.New("key id is empty")
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("key id %q listed twice", k.ID)
		}
		if len(k.Key) != 32 {
			return nil, fmt.Errorf("key %s: got %d bytes, want 32", k.ID, len(k.Key))
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.aeads[k.ID] = aead
		r.ids = append(r.ids, k.ID)
	}
	return r, nil
}

// ActiveID is the id of the key that seals.
func (r *Ring) ActiveID() string { return r.active }

// Has reports whether id is one of the ring's keys.
func (r *Ring) Has(id string) bool {
	_, ok := r.aeads[id]
	return ok
}

// Seal encrypts plain with the active key under a fresh random nonce.
func (r *Ring) Seal(plain, aad []byte) []byte {
	aead := r.aeads[r.active]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, aad)
}

// Open reverses Seal with the key named id.
func (r *Ring) Open(id string, sealed, aad []byte) ([]byte, error) {
	aead, ok := r.aeads[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrTruncated
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// OpenAny opens a value that does not name its key: each key is tried in
// turn and the GCM tag tells which one sealed it.
func (r *Ring) OpenAny(sealed, aad []byte) ([]byte, error) {
	for _, id := range r.ids {
		plain, err := r.Open(id, sealed, aad)
		if !errors.Is(err, ErrOpen) {
			return plain, err
		}
	}
	return nil, ErrOpen
}
