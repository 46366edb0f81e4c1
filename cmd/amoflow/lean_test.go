package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The production binary (the Dockerfile's build, no tags) must not link the
// embedded Temporal server: it drags the AWS, GCP and Kubernetes SDKs in.
// Only `go build -tags dev` (make run) does. Needs the go command, no server.
func TestProductionBuildLeavesOutTheServer(t *testing.T) {
	const server = "go.temporal.io/server"
	if prod := deps(t); hasPrefix(prod, server) != "" {
		t.Errorf("the production build imports %s; only files tagged dev may import amoflow/devserver", hasPrefix(prod, server))
	}
	// The same check on the dev build finds the server, so the one above
	// could fail.
	if dev := deps(t, "-tags", "dev"); hasPrefix(dev, server) == "" {
		t.Errorf("the dev build does not import %s: is dev_on.go still tagged dev?", server)
	}
}

// deps lists the packages cmd/amoflow is built from, with extra go flags.
func deps(t *testing.T, flags ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps"}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), "GOFLAGS=") // a -tags from the environment would hide the difference
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

func hasPrefix(pkgs []string, prefix string) string {
	for _, p := range pkgs {
		if strings.HasPrefix(p, prefix) {
			return p
		}
	}
	return ""
}
