package shadow

import (
	"strings"
)

// PathTemplate is path without its query and with every numeric segment
// (an entity id) as {id}: what a log line or a metric may carry.
func PathTemplate(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
