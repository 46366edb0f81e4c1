// Package codectest holds the payload key of amoflow's tests. The histories
// the e2e tests record (workflows/testdata) are encrypted with it, and the
// replay tests decrypt them with it. It protects nothing: never configure it.
package codectest

import (
	"crypto/sha256"
	"encoding/base64"

	"go.temporal.io/sdk/converter"

	"amoflow/codec"
)

// KeyID is the id of the test key.
const KeyID = "test"

// Key is the test key.
func Key() codec.Key {
	sum := sha256.Sum256([]byte("amoflow test payload key; not a secret"))
	return codec.Key{ID: KeyID, Key: sum[:]}
}

// KeyBase64 is Key as temporal.payload_keys[].key spells it.
func KeyBase64() string { return base64.StdEncoding.EncodeToString(Key().Key) }

// Converters are the data and failure converters of the test key.
func Converters() (converter.DataConverter, converter.FailureConverter) {
	c, err := codec.New(Key())
	if err != nil {
		panic(err)
	}
	dc := codec.DataConverter(c)
	return dc, codec.FailureConverter(dc)
}
