package app

import (
	"fmt"
	"net/http"

	"go.temporal.io/sdk/converter"

	"amoflow/amocrm"
	"amoflow/codec"
	"amoflow/config"
)

// TokenKey is the ring of token_keys (newest first) followed by the older
// single token_key, so a config can add a named key and keep reading rows
// sealed with the old one until `amoflow auth rekey` has run. Nil without keys.
func TokenKey(cfg *config.Config) (*amocrm.TokenKey, error) {
	var keys []amocrm.NamedTokenKey
	for _, k := range cfg.TokenKeys {
		keys = append(keys, amocrm.NamedTokenKey{ID: k.ID, Key: k.Key})
	}
	if cfg.TokenKey != "" {
		keys = append(keys, amocrm.NamedTokenKey{ID: "token_key", Key: cfg.TokenKey})
	}
	key, err := amocrm.ParseTokenKeys(keys)
	if err != nil {
		return nil, fmt.Errorf("token_keys: %w", err)
	}
	return key, nil
}

// PayloadCodec is the codec of temporal.payload_keys; nil without keys.
func PayloadCodec(cfg *config.Config) (*codec.Codec, error) {
	if len(cfg.Temporal.PayloadKeys) == 0 {
		return nil, nil
	}
	keys := make([]codec.Key, 0, len(cfg.Temporal.PayloadKeys))
	for _, k := range cfg.Temporal.PayloadKeys {
		key, err := codec.ParseKey(k.ID, k.Key)
		if err != nil {
			return nil, fmt.Errorf("temporal.payload_keys: %w", err)
		}
		keys = append(keys, key)
	}
	return codec.New(keys...)
}

// Converters are the data and failure converters every Temporal client of
// amoflow uses (workers, bridge, starter, replayers): payloads and failure
// messages encrypted with temporal.payload_keys. Both are nil (the SDK's
// defaults) without keys.
func Converters(cfg *config.Config) (converter.DataConverter, converter.FailureConverter, error) {
	c, err := PayloadCodec(cfg)
	if err != nil || c == nil {
		return nil, nil, err
	}
	dc := codec.DataConverter(c)
	return dc, codec.FailureConverter(dc), nil
}

// CodecHandler is the codec endpoint of temporal.codec for the Temporal UI
// (amoflow codec-server, or the admin listener). It needs payload keys and,
// outside amoflow dev, a token.
func CodecHandler(cfg *config.Config) (http.Handler, error) {
	c, err := PayloadCodec(cfg)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("temporal.payload_keys: the codec server needs the payload keys")
	}
	return codec.Handler(c, codec.HandlerOptions{Token: cfg.Temporal.Codec.Token, Origins: cfg.Temporal.Codec.UIOrigins}), nil
}
