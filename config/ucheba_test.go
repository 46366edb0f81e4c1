package config

import (
	"strings"
	"testing"
)

// The import's keys are checked only when it is on; defaults fill the rest.
func TestUchebaKeys(t *testing.T) {
	on := func(extra string) string {
		return minimal("") + "\nucheba:\n  enabled: true\n  institution: 9915\n" + extra
	}
	cfg, err := Parse([]byte(on("")))
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.Ucheba
	if u.Account != "retail" || u.Schedule.ID != "ucheba-nightly" || u.Schedule.Cron != "0 3 * * *" || u.Schedule.TimeZone != "Europe/Moscow" || u.Timeout <= 0 {
		t.Errorf("defaults: %+v", u)
	}
	for extra, want := range map[string]string{
		"  base_url: ftp://x\n":                        "ucheba.base_url",
		"  account: corp\n":                            "ucheba.account",
		"  schedule: {cron: \"0 3 * *\"}\n":            "ucheba.schedule.cron",
		"  schedule: {time_zone: Europe/Nowhere}\n":    "ucheba.schedule.time_zone",
		"  schedule: {cron: \"@daily\"}\n":             "ucheba.schedule.cron",
		"  base_url: https://api.ucheba.ru/v1\n  x: 1": "x",
	} {
		if _, err := Parse([]byte(on(extra))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ucheba %q: error %v, want one naming %q", extra, err, want)
		}
	}
	if _, err := Parse([]byte(minimal("") + "\nucheba:\n  enabled: true\n")); err == nil || !strings.Contains(err.Error(), "ucheba.institution") {
		t.Errorf("no institution: %v", err)
	}
	if _, err := Parse([]byte(minimal("") + "\nucheba:\n  enabled: false\n  schedule: {time_zone: Europe/Nowhere}\n")); err != nil {
		t.Errorf("import off: %v, want its keys unchecked", err)
	}
}
