package main

import (
	"context"
	"strings"
	"testing"
)

// amoflow import checks what it is asked before it dials Temporal.
func TestImportRefusesBadArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: amoflow import ucheba"},
		{[]string{"webinar"}, "usage: amoflow import ucheba"},
		{[]string{"ucheba", "--config", "../../config/example.yaml", "--date", "01.12.2026"}, "is not a date"},
	} {
		if err := runImport(context.Background(), c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("import %v: %v, want %q", c.args, err, c.want)
		}
	}
}
