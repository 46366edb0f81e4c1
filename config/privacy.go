package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// NamedKey is an AES-256 key (standard base64 of 32 bytes, from the
// environment) with the id stored beside what it encrypts, so keys rotate:
// list the new key first and keep the old ones until nothing uses them.
type NamedKey struct {
	ID  string `yaml:"id"`
	Key string `yaml:"key"`
}

// KeyRing is a list of keys, newest first. In YAML it is a list of {id, key}
// or, so that one environment variable can hold it, the string
// "id:base64[,id:base64…]"; an empty string is no keys.
type KeyRing []NamedKey

// UnmarshalYAML accepts both spellings.
func (r *KeyRing) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*r = nil
		for _, part := range strings.Split(n.Value, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, key, ok := strings.Cut(part, ":")
			if !ok {
				return fmt.Errorf("line %d: a key ring string is id:base64[,id:base64…]", n.Line)
			}
			*r = append(*r, NamedKey{ID: strings.TrimSpace(id), Key: strings.TrimSpace(key)})
		}
		return nil
	}
	var keys []NamedKey
	if err := n.Decode(&keys); err != nil {
		return err
	}
	*r = keys
	return nil
}

// Codec is the codec server (amoflow codec-server, or the admin listener)
// that lets the Temporal UI show decrypted payloads.
type Codec struct {
	// Addr is where amoflow codec-server listens.
	Addr string `yaml:"addr"`
	// Token must be presented (Authorization: Bearer, or the login cookie).
	Token string `yaml:"token"`
	// UIOrigins are the Temporal UI origins allowed by CORS.
	UIOrigins []string `yaml:"ui_origins"`
	// Endpoint is the codec URL as the browser reaches it (for the UI's
	// codec setting); informational for amoflow, used by amoflow dev.
	Endpoint string `yaml:"endpoint"`
}

func (c *Config) validatePrivacy() error {
	if err := validateKeys("temporal.payload_keys", c.Temporal.PayloadKeys); err != nil {
		return err
	}
	if err := validateKeys("token_keys", c.TokenKeys); err != nil {
		return err
	}
	if c.TokenKey != "" {
		if err := validateKey(c.TokenKey); err != nil {
			return fmt.Errorf("token_key: %v", err)
		}
	}
	for _, o := range c.Temporal.Codec.UIOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("temporal.codec.ui_origins: %q is not an origin (scheme://host[:port])", o)
		}
	}
	return nil
}

func validateKeys(field string, keys KeyRing) error {
	seen := map[string]bool{}
	for i, k := range keys {
		if k.ID == "" {
			return fmt.Errorf("%s[%d].id: required", field, i)
		}
		if strings.ContainsAny(k.ID, ": \t") {
			return fmt.Errorf("%s[%d].id: %q may not hold spaces or colons", field, i, k.ID)
		}
		if seen[k.ID] {
			return fmt.Errorf("%s[%d].id: %q is listed twice", field, i, k.ID)
		}
		seen[k.ID] = true
		if err := validateKey(k.Key); err != nil {
			return fmt.Errorf("%s[%d].key (%s): %v", field, i, k.ID, err)
		}
	}
	return nil
}

func validateKey(b64 string) error {
	if strings.TrimSpace(b64) == "" {
		return fmt.Errorf("empty (is its environment variable set?)")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return fmt.Errorf("not standard base64")
	}
	if len(raw) != 32 {
		return fmt.Errorf("%d bytes, want 32 (openssl rand -base64 32)", len(raw))
	}
	return nil
}

// ProductionSecrets reports what a production role (not amoflow dev) lacks:
// without keys personal data would sit in clear in Temporal and tokens in
// Postgres, so such a role refuses to start unless the config says plainly
// that this is wanted.
func (c *Config) ProductionSecrets(role string) error {
	if role != "auth" && len(c.Temporal.PayloadKeys) == 0 && !c.Temporal.AllowPlaintextPayloads {
		return fmt.Errorf("temporal.payload_keys: required for amoflow %s (or set temporal.allow_plaintext_payloads: true)", role)
	}
	if role == "serve" || role == "worker" || role == "auth" {
		if c.TokenKey == "" && len(c.TokenKeys) == 0 && !c.AllowPlaintextTokens {
			return fmt.Errorf("token_keys: required for amoflow %s (or set allow_plaintext_tokens: true)", role)
		}
	}
	if role == "serve" && c.Inbound.JobsSecret == "" {
		return fmt.Errorf("inbound.jobs_secret: required for amoflow serve (it signs status_url)")
	}
	if role == "codec-server" && c.Temporal.Codec.Token == "" {
		return fmt.Errorf("temporal.codec.token: required for amoflow codec-server")
	}
	return nil
}
