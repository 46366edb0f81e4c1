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

// sealedPrefix marks a token stored encrypted; other values are plain text,
// so a key can be introduced without migrating rows (the next write seals).
const sealedPrefix = "enc:v1:"

// TokenKey encrypts tokens at rest with AES-256-GCM.
type TokenKey struct {
	aead cipher.AEAD
}

// ParseTokenKey decodes config's token_key (standard base64 of 32 bytes).
// An empty string means no encryption: it returns nil, nil.
func ParseTokenKey(b64 string) (*TokenKey, error) {
	if b64 == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("amocrm: token_key: %v", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("amocrm: token_key: got %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &TokenKey{aead: aead}, nil
}

// aad binds a sealed value to its account and column, so a ciphertext copied
// to another row or column does not decrypt.
func aad(account, column string) []byte { return []byte(account + "\x00" + column) }

// seal encrypts v; a nil key and the empty string pass through unchanged.
func (k *TokenKey) seal(account, column, v string) string {
	if k == nil || v == "" {
		return v
	}
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, []byte(v), aad(account, column))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out)
}

// open reverses seal and accepts plain-text values.
func (k *TokenKey) open(account, column, v string) (string, error) {
	rest, sealed := strings.CutPrefix(v, sealedPrefix)
	if !sealed {
		return v, nil
	}
	if k == nil {
		return "", errors.New("token is encrypted but no token_key is configured")
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	n := k.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", fmt.Errorf("stored %s is corrupt", column)
	}
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], aad(account, column))
	if err != nil {
		return "", fmt.Errorf("stored %s does not decrypt with token_key", column)
	}
	return string(plain), nil
}
