// Package deploy holds the deployment files; its test checks that
// docker-compose.yml runs what the tests run and exposes no admin UI.
package deploy

import (
	"net"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// publicServices may publish ports on every interface: the HTTP API only.
var publicServices = map[string]bool{"starter": true}

type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Ports       []yaml.Node    `yaml:"ports"`
		Environment map[string]any `yaml:"environment"`
	} `yaml:"services"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Services) == 0 {
		t.Fatal("no services in docker-compose.yml")
	}
	return c
}

// moduleVersion is the version of a module in go.mod, without the "v".
func moduleVersion(t *testing.T, module string) string {
	t.Helper()
	raw, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+v(\S+)`).FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("%s not in go.mod", module)
	}
	return m[1]
}

// pinned is a tag naming at least major.minor (16.4, 4.0.5-management, 1.32.1).
var pinned = regexp.MustCompile(`^\d+\.\d+`)

func TestComposeImagesArePinnedToTheTestedVersions(t *testing.T) {
	c := loadCompose(t)
	want := map[string]string{
		"temporalio/server":      moduleVersion(t, "go.temporal.io/server"),
		"temporalio/admin-tools": moduleVersion(t, "go.temporal.io/server"),
		"temporalio/ui":          moduleVersion(t, "github.com/temporalio/ui-server/v2"),
	}
	seen := map[string]bool{}
	for name, s := range c.Services {
		if s.Image == "" {
			if s.Build == nil {
				t.Errorf("service %s has neither image nor build", name)
			}
			continue
		}
		repo, tag, ok := strings.Cut(s.Image, ":")
		if !ok || strings.Contains(tag, "/") || !pinned.MatchString(tag) {
			t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
			continue
		}
		if repo == "temporalio/auto-setup" {
			t.Errorf("service %s: auto-setup is for development; set the schema up with admin-tools", name)
		}
		if v, ok := want[repo]; ok {
			seen[repo] = true
			if tag != v {
				t.Errorf("service %s: %s, but the tests run %s", name, s.Image, v)
			}
		}
	}
	for repo := range want {
		if !seen[repo] {
			t.Errorf("no service runs %s", repo)
		}
	}
}

func TestComposeAdminPortsListenOnLoopback(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		for _, p := range s.Ports {
			host := hostIP(t, p)
			if publicServices[name] {
				continue
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				t.Errorf("service %s publishes %s on %q: admin ports must bind 127.0.0.1", name, portText(p), host)
			}
		}
	}
	ui := c.Services["temporal-ui"]
	if ep, _ := ui.Environment["TEMPORAL_CODEC_ENDPOINT"].(string); ep == "" {
		t.Error("temporal-ui has no TEMPORAL_CODEC_ENDPOINT: payloads would show encrypted")
	}
}

func TestHostIPParsing(t *testing.T) {
	for spec, want := range map[string]string{
		"8080:8080": "", "127.0.0.1:8233:8080": "127.0.0.1", "0.0.0.0:15672:15672": "0.0.0.0",
		"[::1]:8234:8234": "::1", "8080": "", "127.0.0.1::8080": "127.0.0.1", "8080:8080/tcp": "",
	} {
		n := yaml.Node{Kind: yaml.ScalarNode, Value: spec}
		if got := hostIP(t, n); got != want {
			t.Errorf("hostIP(%q) = %q, want %q", spec, got, want)
		}
	}
}

// hostIP is the host address of a port mapping, "" for every interface.
// Short syntax: [HOST:]HOST_PORT:CONTAINER_PORT or CONTAINER_PORT; long
// syntax: a map with host_ip.
func hostIP(t *testing.T, n yaml.Node) string {
	t.Helper()
	if n.Kind == yaml.MappingNode {
		var long struct {
			HostIP string `yaml:"host_ip"`
		}
		if err := n.Decode(&long); err != nil {
			t.Fatal(err)
		}
		return long.HostIP
	}
	spec, _, _ := strings.Cut(n.Value, "/")
	if strings.HasPrefix(spec, "[") {
		end := strings.Index(spec, "]")
		return spec[1:end]
	}
	parts := strings.Split(spec, ":")
	if len(parts) == 3 {
		return parts[0]
	}
	return ""
}

func portText(n yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, _ := yaml.Marshal(&n)
	return strings.TrimSpace(string(b))
}
