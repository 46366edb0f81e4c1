package secret

import "testing"

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"s3cret", "s3cret", true},
		{"s3cret", "s3cre", false},
		{"s3cre", "s3cret", false},
		{"", "s3cret", false},
		{"", "", false}, // an unconfigured secret lets nobody in
		{"S3cret", "s3cret", false},
	} {
		if got := Equal(c.got, c.want); got != c.ok {
			t.Errorf("Equal(%q, %q) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}
