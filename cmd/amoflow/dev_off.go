//go:build !dev

package main

import (
	"context"
	"errors"
)

// errNoDevServer is what the production build answers to `amoflow dev`:
// it leaves the embedded Temporal server out (see dev_on.go).
var errNoDevServer = errors.New("built without the dev server; use make run / go build -tags dev")

func runDev(context.Context, []string) error { return errNoDevServer }
