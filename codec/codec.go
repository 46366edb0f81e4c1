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
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"amoflow/seal"
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
type Key = seal.Key

// ParseKey decodes a key given as standard base64 of 32 bytes.
func ParseKey(id, b64 string) (Key, error) { return seal.ParseKey(id, b64) }

// NewKey returns a fresh random key (amoflow dev's local key).
func NewKey(id string) Key {
	k := Key{ID: id, Key: make([]byte, 32)}
	rand.Read(k.Key)
	return k
}

// Codec is a converter.PayloadCodec encrypting with AES-256-GCM.
type Codec struct {
	ring *seal.Ring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec encrypting with keys[0] and decrypting with any of keys.
func New(keys ...Key) (*Codec, error) {
	ring, err := seal.NewRing(keys)
	if err != nil {
		return nil, fmt.Errorf("codec: %w", err)
	}
	return &Codec{ring: ring}, nil
}

// ActiveKeyID is the id new payloads are encrypted with.
func (c *Codec) ActiveKeyID() string { return c.ring.ActiveID() }

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	active := c.ring.ActiveID()
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metaEnc: []byte(Encoding), MetaKeyID: []byte(active)},
			Data:     c.ring.Seal(plain, []byte(active)),
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
		plain, err := c.ring.Open(id, p.Data, []byte(id))
		switch {
		case errors.Is(err, seal.ErrUnknownKey):
			return nil, fmt.Errorf("codec: payload encrypted with key %q, which is not configured", id)
		case errors.Is(err, seal.ErrTruncated):
			return nil, errors.New("codec: encrypted payload is truncated")
		case err != nil:
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
