//go:build !dev

package main

import (
	"context"
	"errors"
	"testing"
)

// The production build refuses `amoflow dev` with a message naming the way
// to the development build.
func TestDevWithoutTheTagSaysHowToBuildIt(t *testing.T) {
	if err := runDev(context.Background(), nil); !errors.Is(err, errNoDevServer) {
		t.Errorf("runDev = %v, want %v", err, errNoDevServer)
	}
}
