// Package secret compares secrets presented by callers with the configured
// ones. Every secret comparison in amoflow goes through Equal.
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
)

// Equal reports whether got is want, in time that depends on neither
// secret's content nor length: both sides are hashed first, so the constant
// time compare always sees 32 bytes. An empty want (secret not configured)
// never matches.
func Equal(got, want string) bool {
	if want == "" {
		return false
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
