// Package codec encrypts Temporal payloads (workflow and activity inputs,
// results, signals, failures' details) with AES-256-GCM before they leave
// the process, so Temporal's database and its UI hold no personal data in
// clear. Every client and worker uses it through DataConverter; the Temporal
// UI decrypts through Handler (amoflow codec-server) for operators holding
// its token.
//
// Keys rotate: payloads are encrypted with the active (first) key and carry
// its id in their metadata; any configured key decrypts. Payloads without
// the codec's encoding (histories recorded before it was turned on) pass
// through unchanged.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding marks an encrypted payload; its data is nonce || ciphertext
	// of the original payload, protobuf-encoded.
	Encoding = "binary/encrypted"
	// MetaKeyID names the key that encrypted the payload.
	MetaKeyID = "encryption-key-id"
	metaEnc   = "encoding" // converter.MetadataEncoding
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

// NewKey returns a fresh random key (amoflow dev's local key).
func NewKey(id string) Key {
	k := Key{ID: id, Key: make([]byte, 32)}
	rand.Read(k.Key)
	return k
}

// Codec is a converter.PayloadCodec encrypting with AES-256-GCM.
type Codec struct {
	active string
	aeads  map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec encrypting with keys[0] and decrypting with any of keys.
func New(keys ...Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec: no key")
	}
	c := &Codec{active: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if k.ID == "" {
			return nil, errors.New("codec: key id is empty")
		}
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("codec: key id %q listed twice", k.ID)
		}
		if len(k.Key) != 32 {
			return nil, fmt.Errorf("codec: key %s: got %d bytes, want 32", k.ID, len(k.Key))
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

// ActiveKeyID is the id new payloads are encrypted with.
func (c *Codec) ActiveKeyID() string { return c.active }

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	aead := c.aeads[c.active]
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		rand.Read(nonce)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metaEnc: []byte(Encoding), MetaKeyID: []byte(c.active)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.active)),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. Payloads it did not encrypt
// pass through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[metaEnc]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetaKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("codec: payload encrypted with key %q, which is not configured", id)
		}
		n := aead.NonceSize()
		if len(p.Data) < n {
			return nil, errors.New("codec: encrypted payload is truncated")
		}
		plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("codec: payload does not decrypt with key %q", id)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}

// DataConverter is the SDK's default converter with payloads encrypted by c.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter moves failures' messages and stack traces into their
// encoded (encrypted) attributes: an error text may quote a name or phone.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          dc,
		EncodeCommonAttributes: true,
	})
}
